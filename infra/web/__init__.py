"""The ledger as a web service (`caseledger serve`)."""
