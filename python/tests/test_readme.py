"""The guide's "From Python" chapter (docs/python.md): its examples run as
shown, so they cannot rot."""

import re

from conftest import REPO


def test_the_guides_python_examples_run():
    chapter = (REPO / "docs" / "python.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", chapter, flags=re.S)
    assert blocks, "no python block in docs/python.md"
    for block in blocks:
        exec(compile(block, "docs/python.md", "exec"), {})
