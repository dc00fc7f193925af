"""Shared test set-up, kept small.

The engine tests import their op table and backends from sibling modules (`test_ops_table`,
`test_ops_backends`): make this folder importable whatever pytest's --import-mode.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
