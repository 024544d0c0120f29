"""Data rights (issue 18): what the tool holds about people and what a person may ask of it.

inventory   every table and column: personal or not, of whom, why, from which claim, how long
document    docs/privacy.md, rendered from the inventory
export      everything held about or by one person, as a ZIP of JSON plus their uploads
erasure     a person's identity removed everywhere; what others depend on kept, pseudonymised
retention   per-platform rule: a course's data goes N days after its last activity or end date
cli         `flask privacy inventory|export|erase|retention`

The services take the acting admin (anything `record_event` accepts) and never read the request;
the console views are in lti_tool/admin/privacy_views.py.
"""
