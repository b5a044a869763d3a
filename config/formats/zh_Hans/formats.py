"""Dates everywhere as 2026年11月27日, with the time as 2026年11月27日 08:34 (Django's own
zh_Hans formats print short dates as 2026/11/27). Only what is displayed is set here; the
input formats (2026-11-27 from the date pickers, 2026/11/27, …) stay Django's."""

DATE_FORMAT = "Y年n月j日"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
