from django.core.management.base import BaseCommand

from dispatch import demo


class Command(BaseCommand):
    help = "Build the demo city (units, cadres, classes, one login per role). Safe to re-run."

    def handle(self, *args, **options):
        result = demo.seed()
        self.stdout.write(
            f"units={result['units']} cadres={result['cadres']} logins={len(result['logins'])} "
            f"created={result['created']}"
        )
        if options["verbosity"] > 1:
            for username, role, unit in result["logins"]:
                self.stdout.write(f"{username}\t{role}\t{unit}")
        self.stdout.write(f"password for every demo login: {demo.DEMO_PASSWORD}")
