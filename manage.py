#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.core.management import execute_from_command_line

    # Imported after the settings module is named; any change a command makes is audited
    # as coming from that command.
    from portal.audit import Source, audit_origin

    with audit_origin(Source.COMMAND, detail=sys.argv[1] if len(sys.argv) > 1 else ""):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
