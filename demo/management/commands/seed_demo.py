from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import city as demo


class Command(BaseCommand):
    help = (
        "Build the demo city (units, cadres, classes, one login per role, the superuser "
        "admin — every password the published demo password). Safe to re-run. Refused "
        "when DEBUG is off, unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though DEBUG is off (the logins' password is public: change it).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: seed_demo would create the superuser admin and every demo "
                f"login with the published password {demo.DEMO_PASSWORD}. Seed a "
                "development database with DEBUG=1, or pass --force to seed this one anyway. "
                "(DEBUG 已关闭：seed_demo 会用公开的演示密码创建超级用户 admin 和全部演示账号；"
                "请在 DEBUG=1 的开发库中运行，确需在此运行请加 --force。)"
            )
        result = demo.seed()
        self.stdout.write(
            f"units={result['units']} cadres={result['cadres']} logins={len(result['logins'])} "
            f"created={result['created']}"
        )
        if options["verbosity"] > 1:
            for username, role, unit in result["logins"]:
                self.stdout.write(f"{username}\t{role}\t{unit}")
        self.stdout.write(f"password for every demo login: {demo.DEMO_PASSWORD}")
        if not settings.DEBUG:
            self.stderr.write(
                "DEBUG is off and the demo logins (the superuser admin too) have the published "
                "password: change them before anyone else can reach this site."
            )
