"""Every error text the sandbox sends, in one place.

Clients match on these strings (Gong's empty result is a 404 whose text says so, and only
that text makes it "empty" rather than an error), so tests and the dlt source import them
from here instead of retyping them.

Provenance: texts marked *observed* appear in real recorded Gong responses
(``spec/observed-responses.json`` or a live probe quoted in API.md); *spec* texts come from
the response descriptions in Gong's OpenAPI document; *sandbox* texts are ours because
Gong's exact wording was never recorded. Those are deliberately plain and may differ from
what Gong sends; do not match on them outside the sandbox.
"""

from __future__ import annotations

# -- transport / routing (observed) ----------------------------------------------------
BAD_REQUEST = "Bad request"
NOT_FOUND = "Not Found"
METHOD_NOT_ALLOWED = "Method Not Allowed"
UNSUPPORTED_MEDIA_TYPE = "Unsupported Media Type"
INTERNAL_ERROR = "Internal server error occurred"

# -- auth (observed) -------------------------------------------------------------------
INVALID_CREDENTIALS = "Validate credentials failed. Please check your credentials and try again."
WWW_AUTHENTICATE = 'Basic realm="Gong.io API"'
MISSING_SCOPE = "You don't have permission to use '{scope}' in your app."
# sandbox: Gong's text for an expired OAuth access token is not recorded
ACCESS_TOKEN_EXPIRED = "The access token has expired"

# -- rate limits (spec: "API request limit exceeded"; the exact 429 body is unrecorded) --
RATE_LIMIT_EXCEEDED = "API request limit exceeded"

# -- cursors (sandbox: Gong's texts for stale or foreign cursors are not recorded) -------
CURSOR_EXPIRED = "cursor has expired"
INVALID_CURSOR = "Invalid cursor"

# -- empty results and unknown entities ------------------------------------------------
NO_CALLS_FOUND = "No calls found corresponding to the provided filters"  # observed
NO_USERS_FOUND = "No users found corresponding to the provided filters"  # observed (users)
USER_NOT_FOUND = "User not found"  # spec
NO_STATS_FOUND = "No stats found for the specified period"  # spec (interaction)
ANSWERED_SCORECARDS_NOT_FOUND = "Answered scorecards not found"  # spec
WORKSPACE_NOT_FOUND = "Workspace not found"  # spec (trackers)
FOLDER_NOT_FOUND = "Folder not found"  # sandbox
NO_FOLDERS_FOUND = "No folders found for the specified period"  # spec (library)
NO_LOGS_FOUND = "No logs found for the specified period"  # spec (logs)
FLOW_NOT_FOUND = "Flow not found: flowId={flow_id}"  # observed (flows/steps)
SOME_CALLS_NOT_FOUND = "Some calls not found"  # observed (users-access, a 400)
FLOW_OWNER_NOT_FOUND = "No user found with email {email}"  # sandbox (flows, a 400)
INTEGRATION_NOT_FOUND = "CRM integration not found"  # sandbox (entity-schema, a 400)
TOO_MANY_FLOW_IDS = "A maximum of 20 flow IDs may be requested at a time"  # spec text, a 400
TOO_MANY_CALL_IDS = "A maximum of {limit} call IDs may be requested at a time"  # sandbox

# -- request validation (sandbox wording; Gong answers 400, observed as "Bad request") ----
MISSING_FIELD = "{field} is required"
INVALID_DATE_TIME = "Invalid {field}: expected an ISO-8601 date-time with an offset, got {value!r}"
INVALID_DATE = "Invalid {field}: expected a date as YYYY-MM-DD, got {value!r}"
INVALID_VALUE = "Invalid {field}: {value!r}"
INVALID_FIELD = "Invalid value for {field}"
DATE_AFTER_TODAY = "{field} should not exceed the current day"
DATES_REVERSED = "{from_field} must not be after {to_field}"
