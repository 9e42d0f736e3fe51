"""The `fakeradar` command: one entry point, subcommands loaded lazily.

Each subcommand lives in the module of the part it drives; this group only knows
where to find it, so `fakeradar serve` never imports torch and `fakeradar data`
never imports flask.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

# name -> "module:click command". Order is the order of `fakeradar --help`.
COMMANDS = {
    "serve": "fakeradar.daemon.commands:serve",
    "score": "fakeradar.daemon.commands:score",
    "score-batch": "fakeradar.daemon.batch:score_batch",
    "models": "fakeradar.daemon.registry:models",
    "data": "fakeradar.training.data_commands:data",
    "audit": "fakeradar.training.data_commands:audit",
    "baseline": "fakeradar.training.data_commands:baseline",
    "train": "fakeradar.training.model_commands:train",
    "evaluate": "fakeradar.training.model_commands:evaluate",
    "export": "fakeradar.training.model_commands:export",
    "retrain": "fakeradar.training.retrain:retrain",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._resolvable(name)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise click.ClickException(
                f"`fakeradar {name}` needs packages that are not installed ({exc.name}); "
                "install them with `make install` or `pip install 'fakeradar[train]'`") from None
        return getattr(module, attr)

    @staticmethod
    def _resolvable(name: str) -> bool:
        module_name = COMMANDS[name].split(":")[0]
        return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fakeradar")
def main() -> None:
    """fakeradar: a private, local fake-news checker.

    \b
    Serve the scoring daemon:      fakeradar serve
    Score a page or text:          fakeradar score https://example.com/story
    Prepare data and retrain:      fakeradar data --isot DIR --out runs/data
                                   fakeradar train --data runs/data --out models/mine
    """
