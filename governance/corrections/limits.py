"""The working-day limit for answering a correction ticket: written here only (docs/sharing.md cites it).

The 政务数据共享条例 (Decree 809) asks the provider to check and correct data a user reports as wrong
(校核纠错) without fixing a day count nationally; we hold providers to the decree's own answer limit for a
sharing request on published data, 5 working days. A module of its own, importing nothing, so the CLI's help
can quote the number without loading the rules.
"""

ANSWER_DAYS = 5
