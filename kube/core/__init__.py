"""Small shared pieces that know no feature: the clock, the transaction edge, formatting, parsing, identity, PDF."""
