"""Words the generator builds a plausible sales org from: names, titles, accounts, talk.

Static data only, kept apart from the generator so the generator reads as logic.
"""

from __future__ import annotations

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Oliver", "Sophia", "Elijah", "Isabella", "James",
    "Mia", "William", "Amelia", "Benjamin", "Harper", "Lucas", "Evelyn", "Henry", "Abigail",
    "Theodore", "Emily", "Jack", "Ella", "Levi", "Elizabeth", "Alexander", "Camila", "Jackson",
    "Luna", "Mateo", "Sofia", "Daniel", "Avery", "Michael", "Mila", "Mason", "Aria", "Sebastian",
    "Scarlett", "Ethan", "Penelope", "Logan", "Layla", "Owen", "Chloe", "Samuel", "Victoria",
    "Jacob", "Madison", "Asher", "Eleanor", "Aiden", "Grace", "John", "Nora", "Joseph", "Riley",
    "Wyatt", "Zoey", "David", "Hannah", "Leo", "Hazel", "Priya", "Arjun", "Mei", "Hiroshi",
    "Fatima", "Omar", "Ingrid", "Lars", "Chiara", "Diego", "Lucia", "Tomasz", "Aisha", "Kwame",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel", "Kim", "Chen", "Okafor",
    "Schmidt", "Rossi", "Kowalski", "Andersen", "Yamamoto", "Haddad", "Novak", "Silva",
)  # fmt: skip

COMPANY_NAMES = (
    "Northwind Analytics", "Bluefin Software", "Cobalt Ridge", "Lumen Grid", "Harborview Labs",
    "Quantive", "Stratus Peak", "Meridian Flow", "Brightlane", "Kestrel Systems",
)  # fmt: skip

ACCOUNT_PREFIXES = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Hooli", "Vandelay",
    "Soylent", "Tyrell", "Cyberdyne", "Massive", "Pied Piper", "Aperture", "Black Mesa",
    "Oscorp", "Gringotts", "Monarch", "Dunder", "Sterling", "Prestige", "Virtucon", "Gekko",
    "Nakatomi", "Weyland", "Zorg", "Ollivander", "Bluth", "Krusty", "Duff", "Wernham",
    "Atlas", "Beacon", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Horizon", "Ion",
    "Juniper", "Keystone", "Lighthouse", "Maple", "Nimbus", "Orion", "Pioneer", "Quarry",
    "Redwood", "Summit", "Trident", "Upland", "Vertex", "Willow", "Xenon", "Yarrow", "Zenith",
)  # fmt: skip

ACCOUNT_SUFFIXES = (
    "Corp", "Inc", "Industries", "Logistics", "Health", "Financial", "Retail", "Energy",
    "Foods", "Labs", "Group", "Holdings", "Systems", "Media", "Capital", "Manufacturing",
)  # fmt: skip

INDUSTRIES = (
    "Software", "Financial Services", "Healthcare", "Retail", "Manufacturing", "Logistics",
    "Media", "Energy", "Education", "Insurance", "Telecommunications", "Hospitality",
)  # fmt: skip

CONTACT_TITLES = (
    "VP of Sales", "Head of Revenue Operations", "Director of Sales Enablement", "CFO", "CTO",
    "IT Manager", "Procurement Manager", "Chief Revenue Officer", "Sales Operations Analyst",
    "VP Customer Success", "Director of Engineering", "Head of Partnerships", None,
)  # fmt: skip

OPPORTUNITY_STAGES = (
    "Prospecting", "Qualification", "Discovery", "Demo", "Proposal", "Negotiation",
    "Closed Won", "Closed Lost",
)  # fmt: skip

LEAD_SOURCES = ("Inbound", "Outbound", "Partner", "Event", "Referral", None)

ROLE_TITLES: dict[str, tuple[str | None, ...]] = {
    "exec": ("VP of Sales", "Chief Revenue Officer"),
    "manager": ("Sales Manager", "Regional Sales Director", "Team Lead"),
    "ae": ("Account Executive", "Senior Account Executive", "Enterprise Account Executive", None),
    "sdr": ("Sales Development Representative", "Business Development Representative", None),
    "se": ("Solutions Engineer", "Sales Engineer"),
    "csm": ("Customer Success Manager", "Senior Customer Success Manager", "Onboarding Manager"),
    "cs_manager": ("Customer Success Team Lead", "Director of Customer Success"),
}

WORKSPACES = (
    ("Initial workspace", "The built-in workspace"),
    ("Customer Success", "Onboarding, QBRs and renewals"),
    ("EMEA Sales", None),
    ("Partnerships", None),
)

CONFERENCE_SYSTEMS = (
    ("Zoom", "https://zoom.us/j/{n}"),
    ("Google Meet", "https://meet.google.com/{a}-{b}-{c}"),
    ("Microsoft Teams", "https://teams.microsoft.com/l/meetup-join/{n}"),
)
TELEPHONY_SYSTEMS = ("Outreach", "Salesloft", "Aircall", "RingCentral")
SDR_DISPOSITIONS = (
    "Got the gatekeeper", "Meeting booked", "Left voicemail", "No answer", "Not interested",
    "Call back later", None,
)  # fmt: skip

CALL_PURPOSES = {
    "ae": ("Discovery", "Demo", "Pricing review", "Negotiation", "Technical deep dive"),
    "sdr": ("Intro call", "Qualification", "Cold call", "Follow-up"),
    "se": ("Technical deep dive", "Security review", "Integration workshop"),
    "csm": ("Onboarding", "QBR", "Renewal", "Check-in", "Escalation"),
    "manager": ("Deal review", "Executive sponsor call", "Negotiation"),
    "cs_manager": ("Executive business review", "Escalation"),
    "exec": ("Executive sponsor call", "Strategic review"),
}
INTERNAL_TITLES = ("Pipeline review", "Weekly forecast", "Deal strategy", "Team 1:1", "Enablement")

STRUCTURE_BY_PURPOSE = {
    "phone": ("Introduction", "Qualification", "Next Steps"),
    "external": ("Introduction", "Agenda", "Discovery", "Product Demo", "Pricing", "Next Steps"),
    "internal": ("Updates", "Deal Review", "Action Items"),
}

TOPICS = (
    "Pricing", "Objections", "Competitors", "Next Steps", "Security", "Integrations",
    "Timeline", "Budget", "Decision Process", "Small Talk", "Product Demo", "Onboarding",
)  # fmt: skip

TRACKERS = (
    ("Budget", "Anyone", ("budget", "funds", "have budget", "a budget conversation", "spend")),
    ("Competitors", "Anyone", ("Salesforce", "HubSpot", "Chorus", "competitor", "alternative")),
    ("Pricing", "Anyone", ("price", "pricing", "discount", "cost", "per seat")),
    ("Next steps", "Company", ("next steps", "follow up", "send over", "schedule", "calendar")),
    ("Security", "Non-company", ("SOC 2", "security review", "SSO", "GDPR", "data retention")),
    ("Integrations", "Anyone", ("API", "integration", "Slack", "CRM sync", "webhook")),
    ("Business goals", "Company", ("decrease onboarding", "ramp time", "win rate", "forecast")),
    ("Timeline", "Non-company", ("this quarter", "end of month", "by Q3", "deadline")),
)

ScorecardSpec = tuple[str, str, tuple[str, ...]]  # name, review method, questions
SCORECARDS: tuple[ScorecardSpec, ...] = (
    ("AE Demo Call Scorecard", "MANUAL", (
        "Did the AE set a clear agenda?",
        "Did the AE offer a pilot? Were success criteria set?",
        "How well did the AE handle the customer's concerns?",
        "Were next steps agreed with a date?",
        "Overall, how would you rate this call?",
    )),
    ("Discovery Call Scorecard", "MANUAL", (
        "Did the rep uncover the business pain?",
        "Did the rep identify the decision maker?",
        "Was the budget discussed?",
        "Overall score",
    )),
    ("AI Call Quality Scorecard", "AUTOMATIC", (
        "Did the rep ask open-ended questions?",
        "Was the talk ratio balanced?",
        "Were next steps mentioned?",
        "Overall call quality",
    )),
    ("CS Health Check Scorecard", "MANUAL", (
        "Did the CSM review adoption metrics?",
        "Were risks identified?",
        "Overall score",
    )),
)  # fmt: skip

ANSWER_TEXTS = (
    "Done a great job.", "Clear agenda and strong close.", "Could have probed deeper.",
    "Good rapport with the buyer.", "Missed the budget question.", None,
)  # fmt: skip

LIBRARY_FOLDERS = (
    ("Win/Loss", ("Q3 wins", "Lost to competitor")),
    ("Best discovery calls", ()),
    ("Objection handling", ("Pricing objections",)),
    ("Onboarding examples", ()),
)

CALL_OUTCOMES = (
    # callOutcome, connectStatus, sentiment, todoAction, automation, category
    ("Meeting booked", "CONNECTED", "POSITIVE", "COMPLETE_AND_REMOVE", None, "ANSWERED"),
    ("Left voicemail", "NOT_CONNECTED", "NEUTRAL", "COMPLETE", None, "NOT_ANSWERED"),
    ("No answer", "NOT_CONNECTED", "NEUTRAL", "COMPLETE", None, "NOT_ANSWERED"),
    ("Interested", "CONNECTED", "POSITIVE", "COMPLETE", None, "ANSWERED"),
    ("Bad persona", "CONNECTED", "NEGATIVE", "COMPLETE_AND_REMOVE", None, "ANSWERED"),
    ("Not interested", "CONNECTED", "NEGATIVE", "COMPLETE_AND_REMOVE", None, "ANSWERED"),
    ("Call back later", "CONNECTED", "NEUTRAL", "COMPLETE", None, "ANSWERED"),
    ("Gatekeeper", "CONNECTED", "NEUTRAL", "COMPLETE", None, "ANSWERED"),
    ("Wrong number", "NOT_CONNECTED", "NEGATIVE", "COMPLETE_AND_REMOVE", None, "NOT_ANSWERED"),
    ("Hung up", "NOT_CONNECTED", "NEGATIVE", "COMPLETE", None, "ANSWERED"),
    ("Do not call", "CONNECTED", "NEGATIVE", "COMPLETE_AND_REMOVE", "MARK_AS_OPT_OUT", "ANSWERED"),
    ("Referral", "CONNECTED", "POSITIVE", "COMPLETE", None, "ANSWERED"),
    ("Already a customer", "CONNECTED", "NEUTRAL", "COMPLETE_AND_REMOVE", None, "ANSWERED"),
    ("Not the decision maker", "CONNECTED", "NEUTRAL", "COMPLETE", None, "ANSWERED"),
    ("Busy signal", "NOT_CONNECTED", "NEUTRAL", "COMPLETE", None, "NOT_ANSWERED"),
    ("Follow-up scheduled", "CONNECTED", "POSITIVE", "COMPLETE_AND_REMOVE", None, "ANSWERED"),
)

COMMENTS = (
    "Great discovery questions here.", "Let's make sure we follow up on pricing.",
    "Nice handling of the objection.", "@team listen from here, this is the key moment.",
    "We should loop in the SE for the security part.", "Can we send them the case study?",
    "Good call, the champion is clearly engaged.", "Watch the talk ratio in this section.",
    "This is exactly how to position against the competitor.", "Agree, let's escalate.",
)  # fmt: skip

SENTENCES_COMPANY = (
    "Thanks everyone for joining today.", "Let me quickly walk you through the agenda.",
    "Could you tell me a bit more about how your team handles this today?",
    "That makes a lot of sense.", "What would success look like for you this quarter?",
    "Let me share my screen so you can see the dashboard.",
    "Most of our customers see results within the first month.",
    "We integrate with your CRM out of the box.", "How many people are on the team?",
    "Who else would be involved in the decision?", "I can send over a proposal by Friday.",
    "Our pricing is per seat with an annual commitment.",
    "We're SOC 2 Type II certified, and I can share the report.",
    "Does that answer your question?", "Let's set up a follow-up with your IT team.",
    "I'll put together a short recap after this call.", "What's your timeline for a decision?",
    "We can start with a pilot for one team.", "Great, I think that covers everything.",
    "Let me pull up the numbers from last quarter.", "Is budget already allocated for this?",
    "How does that compare to what you use now?", "I'll loop in our solutions engineer.",
)  # fmt: skip

SENTENCES_CUSTOMER = (
    "Thanks for having us.", "Right now we do most of this in spreadsheets.",
    "Our biggest problem is forecasting accuracy.", "That's interesting.",
    "How long does the implementation usually take?", "We looked at a competitor last year.",
    "I'd need to run this by our CFO.", "Budget is tight, but this is a priority.",
    "Can you share some customer references?", "We have about forty reps across two regions.",
    "Security will want to review this.", "That would save us a lot of time.",
    "What does the onboarding look like?", "We're hoping to decide by the end of the quarter.",
    "Yes, that makes sense.", "I'm not sure, let me check with the team.",
    "Does it work with Slack?", "Okay, sounds good.", "Could you send the pricing in writing?",
    "Our renewal with the current vendor is in June.", "We had some issues with adoption before.",
)  # fmt: skip

GREETINGS = (
    "Hi everyone.", "Hey, good to see you.", "Hello, thanks for making the time.",
    "Hi, can you hear me okay?", "Morning!", "Hey there, how's your week going?",
    "Hi, sorry, just getting my video to work.", "Hello hello.",
)  # fmt: skip

SHORT_REPLIES = (
    "Right.", "Makes sense.", "Mm-hmm.", "Got it.", "Okay.", "Sure.", "Exactly.", "Yeah.",
    "Interesting.", "I see.", "Yes, absolutely.", "Fair enough.", "Totally.", "Good question.",
)  # fmt: skip

LONG_COMPANY = (
    "So what we typically see with teams your size is that the first month goes into "
    "getting everyone set up and comfortable with the workflow.",
    "The way most of our customers roll this out is one team first, usually the one with "
    "the most pain, and then the rest of the org once the numbers are in.",
    "If you look at this dashboard, every rep's pipeline is broken down by stage, and you "
    "can drill into any deal to see the last conversation.",
    "On the integration side we sync both ways with your CRM, so nobody has to update "
    "fields by hand after a call anymore.",
    "Pricing is per seat on an annual contract, and for a pilot we can usually start with "
    "a smaller group and true up later.",
    "What I'm hearing is that forecasting is the real problem, and the spreadsheets are "
    "just a symptom of not trusting the data in the CRM.",
    "Let me show you how a manager would use this in a one-on-one, because that's where "
    "most of the value shows up in the first quarter.",
    "From a security standpoint we're SOC 2 Type II, we support single sign-on, and all "
    "data is encrypted at rest and in transit.",
    "The next step I'd suggest is a technical session with your IT team, and in parallel "
    "I'll put together a proposal for the pilot.",
    "A customer in your industry had almost the same setup, and within two months their "
    "forecast accuracy went up by about twenty percent.",
    "The reason I ask is that the implementation plan looks very different depending on "
    "who owns the CRM on your side.",
    "We also have a customer success manager assigned from day one, so you're never "
    "alone during onboarding.",
)  # fmt: skip

LONG_CUSTOMER = (
    "Right now every manager has their own spreadsheet, and at the end of the quarter we "
    "spend days reconciling them before the forecast call.",
    "We tried something similar two years ago, but adoption was terrible because the reps "
    "saw it as one more tool to update.",
    "The main thing for us is visibility, I honestly don't know what's happening in most "
    "deals until they close or slip.",
    "Our CFO is going to ask about the return on this, so anything you have on payback "
    "time would really help me internally.",
    "We have about forty reps across two regions, and the European team runs a slightly "
    "different process than the US one.",
    "Security reviews usually take us four to six weeks, and they will want to see your "
    "data retention policy up front.",
    "To be honest the budget for this year is mostly committed, so we'd be looking at "
    "something that starts next quarter.",
    "What worries me is the change management part, our reps are already stretched and I "
    "don't want to slow them down.",
    "The last vendor we worked with overpromised on the integration, and we ended up "
    "building half of it ourselves.",
    "If this works for the SDR team first, I can make the case to roll it out to the "
    "account executives in the fall.",
)  # fmt: skip

BRIEFS = (
    "{account} is evaluating options to improve forecasting and coaching. The team discussed "
    "current pain points, the evaluation timeline and a possible pilot.",
    "The call with {account} covered onboarding progress, adoption metrics and open issues. "
    "Both sides agreed on next steps before the renewal.",
    "{account} shared their goals for the quarter and concerns about pricing and security. "
    "A follow-up with their IT team was proposed.",
)  # fmt: skip

KEY_POINTS = (
    "{account} wants to decide this quarter.", "Security review is required before purchase.",
    "Pricing needs approval from the CFO.", "A pilot with one team was proposed.",
    "The current process relies on spreadsheets.", "Integration with the CRM is a must-have.",
    "Renewal is coming up; adoption is the main risk.",
)  # fmt: skip

HIGHLIGHTS = (
    ("Next steps", ("Send the proposal by Friday.", "Schedule a security review.",
                    "Set up a pilot kickoff.")),
    ("Pain points", ("Forecasts are built in spreadsheets.", "New reps take months to ramp.")),
    ("Questions", ("How long is implementation?", "Which CRMs are supported?")),
)  # fmt: skip
