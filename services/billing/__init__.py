"""billing: each unit's fee account (收费账户) and its ledger -- the arrears
ledger (欠费台账) that bills, dunning and payments will post to."""
