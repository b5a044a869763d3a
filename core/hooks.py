"""Answers an app needs from apps above it, which it never imports: those apps register a
reader from their AppConfig (`Readers.register`), and the app asks them all
(`Readers.first`: the first reader's answer that is not empty)."""


class Readers:
    def __init__(self):
        self._readers: list = []

    def register(self, reader) -> None:
        if reader not in self._readers:
            self._readers.append(reader)

    def first(self, *args, default=None):
        for reader in self._readers:
            if answer := reader(*args):
                return answer
        return default
