"""The clearing house simulator: it stands for the outside clearing house (DESIGN.md §5).

It speaks to the bank only through the clearing files: it reads what the bank put in
``CLEARING_DIR/outbox/`` and answers by writing into ``CLEARING_DIR/inbox/`` (pacs.002 status
reports, pacs.004 returns, incoming pacs.008 credit transfers). It keeps its own records under
``CLEARING_DIR/simulator/``. It imports nothing of ``bankcore`` or ``apps`` (an import-linter
contract says so); verification of payee over HTTP lives beside it in ``vop.py``.
"""

from simulators.clearing.house import ClearingHouse, Summary
from simulators.clearing.rules import DEFAULT_RULES, Outcome, Rule, decide

__all__ = ["DEFAULT_RULES", "ClearingHouse", "Outcome", "Rule", "Summary", "decide"]
