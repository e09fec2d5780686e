"""`ogi`: the one command line over the archive. One verb per module in this package."""
from __future__ import annotations

import importlib

import click

# verb name -> module in crawler.cli that defines `command`
VERBS = ["parse", "crawl", "worker", "build", "serve", "export", "release", "demo", "registry"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ogi-archive")
def main() -> None:
    """ogi-archive: collect, parse and publish 政府信息公开工作年度报告."""


for _verb in VERBS:
    try:
        _module = importlib.import_module(f"crawler.cli.{_verb}")
    except ModuleNotFoundError as exc:  # a verb not written yet
        if exc.name != f"crawler.cli.{_verb}":
            raise
        continue
    main.add_command(_module.command, _verb)
