"""校核纠错 (correction tickets): a consumer reports a wrong value in a shared table; its provider answers."""
