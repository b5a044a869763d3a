"""DRF's user and anonymous throttles, reading their rates from the settings at each
request (DRF binds them once at import), so a changed XUNDIAO_API_*_RATE — or a test's
override — takes effect. A throttled call gets 429 with Retry-After."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserRate(UserRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonRate(AnonRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
