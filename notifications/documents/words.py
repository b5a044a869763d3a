"""Where a line of Chinese may break: between words only.

Chinese has no spaces, so a renderer left to itself breaks anywhere ("领导／人员",
"自然资／源", "12／月13日"). Lines here are cut by the documents' own code (titles, table
cells, chart labels) at break opportunities: never inside a number with its unit or a
date, never inside a word of the lexicon below (the words of cadre training, the names
of the usual bodies and classes), and preferably after a function word or the end of an
organ's name. The lexicon is deliberately small and plain; a word it lacks may still be
broken, and a text with no opportunity at all is broken anywhere rather than overflow.
"""

from __future__ import annotations

import math
import re
import unicodedata

LEXICON = frozenset(
    """
    领导人员 领导干部 领导班子 中青年 干部 人员 公务员 党员 学员 同志 学习 培训 调训 轮训
    进修 进修班 培训班 研讨班 专题班 专题 示范班 主体班 补训 缓训 免训 请假 参训 缺训
    退训 学时 学期 春季 秋季 夏季 冬季 季度 年度 上半年 下半年 能力 提升 素质 理论
    政治 党性 教育 业务 管理 服务 治理 现代化 高质量 发展 改革 建设 创新 实践 基层 乡村
    振兴 乡村振兴 城乡 城市 农村 农业 乡镇 党政正职 街道 社区 县处级 乡科级 厅局级
    处级 科级 副处级 正处级
    调研员 主任科员 委员会 人民政府 人民代表大会 常务委员会 政协 组织部 宣传部 统战部
    办公室 办公厅 党校 行政学院 干部学院 大学 学院 学校 中心 集团 有限公司 股份 公司
    投资 资源 人力资源 社会保障 自然资源 规划 住房 交通 运输 交通运输 卫生 健康 卫生健康
    公安 财政 教育局 商务 文化 旅游 生态 环境 应急 市场 监督 监管 审计 税务 统计 民政
    司法 水利 科学 技术 工业 信息化 信息 国有 资产 国资委 发改委 纪委 监委 机关 单位
    部门 直属 市直 县直 区直 名单 情况 统计表 参训率 签收率 达标率 回执 通知 通报 报告
    关于 举办 开展 做好 加强 进一步 有关 事项 工作 要求 安排 计划 实施 方案 名额 分配
    推荐 报名 确认 审批 报备 签收 考核 跟踪 评估 结果 成绩 合格 优秀 期间 以上 以下
    年轻 年轻干部 青年 青年干部 贯彻 落实 学习贯彻 思想 新时代 企业 国有企业 理论 创新理论
    处级干部 科级干部 县处级干部 乡科级干部 处级干部进修班 科级干部进修班
    系统 骨干 业务骨干 专业 专业化 经济 数字 数字化 安全 法治 党建 纪检 监察 宣传 领导
    队伍 人才 研修 研修班 综合 执法 营商 网络 全市 全县 全区 全省 主题 专项 示范
    """.split()
)
LONGEST = max(len(word) for word in LEXICON)

# A number and what it counts (2026年, 12月13日, 160学时, 3人次, 89.3%), or what it
# numbers (附件3, 第2期), stays in one piece.
NUMBER_GROUP = re.compile(
    r"(?:附件|第)?\d+(?:\.\d+)?(?:月\d+日|年|月|日|期|届|号|人次|人|次|个|学时|天|%|％)?|[A-Za-z]+"
)

#: what makes one addressee several bodies: 市直各单位, 市直有关单位, A局、B局
SEVERAL = re.compile(r"各|有关|、|，|,")

BREAK_AFTER = "的于和与及、"  # a line may well end after these function words
WORD_END = "年期届度季级部班局委会府院校员位作训单表"  # and these often end a word
NO_LINE_START = "，。、；：？！）》」』”’〕】…—"
NO_LINE_END = "（《「『“‘〔【"


def set_width(text: str) -> float:
    """Width in em of `text` set in the Noto or Fandol faces, erring wide: CJK, full-width
    forms and the characters CJK faces set full width (the middle dot of 阿依古丽·买买提,
    “”, —) 1, Latin capitals 0.75 (X is 0.73 em in both), other characters 0.6 (Noto's
    digits are 0.59 em). Used where a line must not wrap unexpectedly."""
    total = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in "WFA":
            total += 1.0
        elif "A" <= ch <= "Z":
            total += 0.75
        else:
            total += 0.6
    return total


def inside_words(text: str) -> frozenset[int]:
    """The cut positions (a cut at i falls between text[i-1] and text[i]) that would split
    a word of the lexicon (longest match first, left to right) or a number group."""
    inside: set[int] = set()
    for match in NUMBER_GROUP.finditer(text):
        inside.update(range(match.start() + 1, match.end()))
    i = 0
    while i < len(text):
        for size in range(min(LONGEST, len(text) - i), 1, -1):
            if text[i : i + size] in LEXICON:
                inside.update(range(i + 1, i + size))
                i += size
                break
        else:
            i += 1
    return frozenset(inside)


def may_cut(text: str, cut: int, inside: frozenset[int] = frozenset()) -> bool:
    before, after = text[cut - 1], text[cut]
    if before.isascii() and after.isascii() and (before + after).strip().isalnum():
        return False  # never split a number or a Latin word (2026, XX)
    if cut in inside:
        return False
    return after not in NO_LINE_START and before not in NO_LINE_END


def balanced_lines(
    text: str, capacity: float, prefer: str = BREAK_AFTER, measure=set_width
) -> list[str]:
    """Break `text` into the fewest lines at most `capacity` em wide (by `measure`), as
    even as possible (a trapezoid, not a long line and a short tail), between words
    only (see `inside_words`), preferring breaks after the characters in `prefer` and
    never splitting a number or leaving punctuation at a line's start. If no such
    breaking exists, words may be split; if none at all, the text is one line."""
    if measure(text) <= capacity:
        return [text]
    protected = inside_words(text)
    for inside in (protected, frozenset()):
        lines = _balanced(text, capacity, prefer, measure, inside)
        if lines:
            return lines
    return [text]


def _balanced(text, capacity, prefer, measure, inside) -> list[str] | None:
    for count in range(math.ceil(measure(text) / capacity), len(text) + 1):
        lines, rest, offset = [], text, 0
        for remaining in range(count, 1, -1):
            target = measure(rest) / remaining
            best, best_score = None, None
            for cut in range(1, len(rest)):
                w = measure(rest[:cut])
                if w > capacity:
                    break
                if not may_cut(text, offset + cut, inside):
                    continue
                last = rest[cut - 1]
                score = abs(w - target) - (2 if last in prefer else 1 if last in WORD_END else 0)
                if best_score is None or score < best_score:
                    best, best_score = cut, score
            if best is None:
                break
            lines.append(rest[:best])
            rest, offset = rest[best:], offset + best
            if len(rest) < 2:
                break
        lines.append(rest)
        if all(measure(line) <= capacity for line in lines) and len(lines[-1]) > 1:
            return lines
    return None


def tail_start(text: str, chars: int = 2, longest: int = 8) -> int:
    """Where a paragraph's tail starts — its last `chars` characters that are not
    punctuation, with the punctuation after them, widened to the word or number they
    end — which is set unbroken, so that the paragraph's last line never holds one
    character alone (孤字, "号。"). A tail longer than `longest` is cut back to the
    last `chars` characters — but never into a number with its unit (12月31日”）。 goes
    whole); a text with fewer has none (its length)."""
    start, found = len(text), 0
    while start > 0 and found < chars:
        start -= 1
        found += not unicodedata.category(text[start]).startswith("P")
    if found < chars:
        return len(text)
    inside = inside_words(text)
    widened = start
    while widened in inside and len(text) - widened < longest:
        widened -= 1
    if widened not in inside:
        return widened
    for group in NUMBER_GROUP.finditer(text):
        if group.start() < start < group.end():
            return group.start()
    return start
