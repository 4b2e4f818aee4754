"""The web portal: unit clerks send their workbooks, staff follow, review, run and download (issue 13).

app.py          the app factory, its configuration, sessions and CSRF, the login pages
auth.py         passwords (argon2), signed session cookies, CSRF tokens, login rate limit, accounts
db.py           the database (SQLite by default, PostgreSQL by URL): accounts, runs, the audit log
views.py        pure: what the pages show, from the project's statuses, flags and stored versions
pages_unit.py   a clerk's pages: open periods, the prefilled form, upload, history
pages_staff.py  staff pages: period board, reminders, review decisions, runs, documents, accounts
runs.py         starting a report (Prefect deployment when served, else a worker thread) and its state
"""
