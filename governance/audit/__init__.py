"""Audit trails for stewards and auditors (who read what)."""
