app-name = Minsheng
app-tagline = Case management for social governance
skip-to-content = Skip to content

nav-workbench = Workbench
nav-api = API docs
nav-password = Change password
nav-logout = Sign out
nav-language = 中文

login-title = Sign in
login-username = Username
login-password = Password
login-submit = Sign in
login-failed = Wrong username or password.
login-locked = Too many failed sign-ins: the account is locked. Try again in { $minutes } minutes.
login-expired = Your session has expired; please sign in again.
login-signed-out = You have signed out.

password-title = Change password
password-current = Current password
password-new = New password (at least 8 characters)
password-repeat = Repeat the new password
password-submit = Save new password
password-wrong = The current password is wrong.
password-short = The new password needs at least 8 characters.
password-mismatch = The two new passwords differ.
password-changed = Password changed; sessions on other devices have been signed out.

workbench-title = Workbench
workbench-hello = Hello, { $name }
workbench-scope = Scope: { $unit }
workbench-open = Open
workbench-to-handle = For my unit to handle
workbench-overdue = Overdue
workbench-due-soon = Due within 48 hours
workbench-recent = Recent matters
workbench-empty = No matters.
workbench-more = More

col-id = No.
col-title = Title
col-kind = Kind
col-status = Status
col-place = Place
col-registered = Registered
col-deadline = Report by

kind-request = Request
kind-petition = Petition
kind-dispute = Dispute
kind-grid_event = Grid event
kind-wage_claim = Wage claim

status-registered = Registered
status-assigned = Assigned
status-in_progress = In progress
status-replied = Replied
status-closed = Closed

channel-letter = Letter
channel-visit = Visit
channel-phone = Phone
channel-online = Online
channel-grid = Grid report
channel-transfer = Transfer
channel-screening = Screening

mode-direct = Direct
mode-transfer = Transfer
mode-assign = Assign
mode-joint = Joint

matter-title = Matter { $id }
matter-channel = Channel
matter-category = Category
matter-place = Place
matter-handling = Handled by
matter-deadline = Report by
matter-remaining = { $hours } hours left
matter-overdue-by = Overdue by { $hours } hours
matter-people = People involved
matter-amount = Amount
matter-parties = Parties
matter-body = What was brought
matter-reply = Reply
matter-timeline = History
matter-actions = Actions
matter-reopened = Reopened { $count } times
matter-version = Version { $version }

party-applicant = Applicant
party-respondent = Respondent
party-other = Other party
party-masked = Personal data masked
reveal-reason = Reason
reveal-submit = Show in full
reveal-explain = Viewing is recorded in the history with its reason.

event-registered = Registered
event-assigned = Assigned
event-started = Handling started
event-replied = Replied
event-closed = Closed
event-reopened = Reopened
event-commented = Comment
event-note_added = Internal note
event-parties_revealed = Personal data viewed
event-by = { $who }

action-assign = Transfer / assign
action-assign-unit = Handling unit
action-assign-mode = Mode
action-report-by = Report by (required to assign)
action-start = Start handling
action-reply = Reply
action-close = Close
action-reopen = Reopen
action-comment = Comment
action-note = Internal note
action-text = Text
action-reason = Reason
action-submit = Submit
action-none = There is nothing you can do with this matter in its current state.
action-done = Saved.
action-stale = Someone else has just changed this matter; here is the latest. Check it and try again.

error-title = Something went wrong
error-not-found = This page does not exist, or the matter is outside your scope.
error-forbidden = You may not do this.
error-csrf = The form has expired or came from elsewhere; reload the page and try again.
error-internal = The server had a problem. Try again shortly; if it persists, tell your administrator.
error-invalid = Please correct:
error-back = Back to the workbench

nav-intake = Register
intake-title = Register a matter
intake-kind = Kind
intake-channel = Channel
intake-category = Category
intake-place = Place (type a village, community or township to search)
intake-matter-title = Title
intake-body = What was brought
intake-people = People involved
intake-amount = Amount (yuan)
intake-party = Party { $n }
intake-party-role = Role
intake-party-name = Name
intake-party-phone = Phone
intake-party-id = ID number
intake-party-address = Address
intake-parties-hint = Leave unused party rows empty.
intake-submit = Register
intake-errors = Please correct the following:
intake-bad-amount = Not an amount; write e.g. 12500 or 8500.50
intake-bad-number = Enter a whole number
