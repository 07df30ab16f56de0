"""The ledger as a web service (`caseledger serve`): the HTTP API (`api`) and the web app (`pages`)."""

SESSION_COOKIE = "caseledger_session"  # the web app's sign-in: the token, HttpOnly, SameSite=Strict
