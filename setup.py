# All metadata is in pyproject.toml. This file exists for scrapyd-deploy (scrapyd-client), which
# builds the project egg with `python setup.py bdist_egg` and would otherwise write its own.
from setuptools import setup

setup()
