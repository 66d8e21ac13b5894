"""The README's "From Python" example runs as shown, so it cannot rot."""

import re

from conftest import REPO


def test_the_readme_python_example_runs():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## From Python", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "no python block in the README's From Python section"
    for block in blocks:
        exec(compile(block, "README.md (From Python)", "exec"), {})
