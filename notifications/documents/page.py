"""The GB/T 9704 page in points: the type area (版心), its line pitch and the sizes of
its faces — shared by the renderer (`render`) and the charts it draws (`chart`)."""

MM = 72 / 25.4  # points per millimetre
TYPE_WIDTH = 156 * MM  # 版心 width, 442.2 pt
TYPE_HEIGHT = 225 * MM  # 版心 height, 637.8 pt
PAGE_TOP = 37 * MM  # 天头
PAGE_LEFT = 28 * MM  # 订口
BODY_SIZE = 16.0  # 3号
TITLE_SIZE = 22.0  # 2号
TITLE_LINE = 35.0  # line pitch of a title that wraps
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
# Line pitch: 22 lines must fit in 225 mm (637.8 pt / 22 = 28.99 pt) with a little room for
# a line that mixes in a fallback face with taller metrics (rare characters).
LINE = 28.8
TITLE_CHARS = 20  # 2号 characters on one line of the type area
