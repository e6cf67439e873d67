"""A quick ``est`` start: the command line imports no scientific library until a command runs."""

import json
import subprocess
import sys

import click
import pytest

HEAVY = ("numpy", "scipy", "sklearn", "folium", "shapely", "pandas", "matplotlib", "sqlalchemy",
         "weasyprint", "docx", "openpyxl")


def imported_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy modules it imported."""
    probe = (f"import json, sys\n{code}\n"
             f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.splitlines()[-1])


def test_importing_the_command_line_imports_no_scientific_library():
    assert imported_after("import web.cli") == []


def test_help_lists_every_command_without_importing_one():
    code = ("import sys\nfrom web.cli import cli\ntry:\n    cli(['--help'], prog_name='est')\n"
            "except SystemExit:\n    pass\nprint(sorted(m for m in sys.modules "
            "if m.startswith('web.cli.') and m != 'web.cli.base'))")
    out = subprocess.run([sys.executable, "-c", code + "\nprint('[]')"], capture_output=True,
                         text=True, check=True).stdout
    assert "Commands:" in out and "hotspots" in out and "reports" in out
    assert "[]\n[]" in out  # no command module imported
    assert imported_after(code) == []


@pytest.mark.parametrize("name", sorted(__import__("web.cli").cli.COMMANDS))
def test_listed_help_is_the_commands_own(name):
    from web.cli import COMMANDS, load_command

    command = load_command(name)
    assert command.name == name
    for width in (45, 1000):
        listed = click.Command(name, help=COMMANDS[name][2]).get_short_help_str(width)
        assert listed == command.get_short_help_str(width)


def test_app_of_a_command_has_no_web_pages_unless_it_serves_them():
    from web import create_app

    quick = create_app({"TESTING": True}, pages=False)
    assert quick.blueprints == {} and "hotspots" in quick.cli.list_commands(click.Context(
        quick.cli))
    loaded = imported_after("from web import create_app\ncreate_app(pages=False)")
    assert "sqlalchemy" in loaded  # the models and the database, nothing for the pages
    assert not {"scipy", "sklearn", "folium", "matplotlib", "weasyprint"} & set(loaded)


def test_import_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(monkeypatch, capsys):
    from web.cli import reports

    for terminal, expected in ((True, "\r[###############...............] "
                                "50,000 / 100,000 reports stored"), (False, None)):
        monkeypatch.setattr(reports, "_is_terminal", lambda t=terminal: t)
        say, advance, done = reports._progress()
        say("read 100,000 rows")
        if advance is not None:
            advance(50_000, 100_000)
        done()
        err = capsys.readouterr().err
        if expected:
            assert err.startswith("\rread 100,000 rows   ") and expected in err
            assert err.endswith("\n") and err.count("\n") == 1
        else:
            assert advance is None and err == "read 100,000 rows\n"
