# sluice's built-in rules for serving one field of one record, written in
# Rego for the decision-cost benchmark: the grant is found in data.grants by
# consumer and dataset, then the same checks as policy.Engine.DecideField
# and FieldDecision.Admits, including the de-identification operator.
package sluice.sharing

import rego.v1

regime := "gdpr" if input.dataset.region == "EU"

else := "pipl"

bases := {
	"pipl": {"consent": true, "contract": false, "hr": false, "statutory_duty": false, "emergency": false, "news": false, "public_info": false, "other_law": false},
	"gdpr": {"consent": true, "contract": false, "legal_obligation": false, "vital_interests": false, "public_task": false, "legitimate_interests": false},
}

operators := {
	"user": "pseudonym",
	"user.government_id": "pseudonym",
	"user.government_id.vehicle_registration": "mask(2,1)",
	"user.name": "mask(1,1)",
	"user.contact": "mask(1,1)",
	"user.contact.phone_number": "mask(3,4)",
	"user.contact.email": "mask(1,0,domain)",
	"user.contact.address": "mask(6,0)",
	"user.financial": "pseudonym",
	"user.financial.bank_account": "mask(6,4)",
	"user.financial.credit_card": "mask(6,4)",
	"user.location": "generalize(1km)",
	"user.demographic": "redact",
	"user.demographic.date_of_birth": "generalize(year)",
	"user.demographic.age_range": "generalize(band10)",
	"user.demographic.gender": "clear",
	"user.health_and_medical": "redact",
	"user.biometric": "redact",
	"user.device": "pseudonym",
}

strength := {"clear": 1, "mask": 2, "generalize": 3, "pseudonym": 4, "redact": 5}

foreign if input.consumer.kind in {"foreign_judicial", "foreign_law_enforcement"}

expiry_ok(g) if g.expires_at > input.now

valid := [g |
	some g in data.grants[input.consumer.id][input.dataset.id]
	g.purpose == input.purpose.name
	g.status == "approved"
	expiry_ok(g)
	g.fields[input.field.name]
]

grant := valid[0]

basis := grant.legal_basis if grant.legal_basis != ""

else := input.purpose.legal_basis

known_basis if {
	_ := bases[regime][basis]
}

deny_rule := "core.deny" if input.field.grade == "core"

else := "authority.foreign" if {
	foreign
	not input.consumer.approval_on_file
}

else := "grant.not_found" if count(valid) == 0

else := "basis.mismatch" if {
	input.purpose.legal_basis != ""
	grant.legal_basis != ""
	grant.legal_basis != input.purpose.legal_basis
}

else := "basis.unknown" if not known_basis

else := "authority.no_request" if {
	input.consumer.kind == "domestic_authority"
	basis == "statutory_duty"
	grant.written_request_ref == ""
}

else := "important.no_assessment" if {
	input.field.grade == "important"
	grant.risk_assessment_ref == ""
}

else := "important.region" if {
	input.field.grade == "important"
	input.consumer.region != input.dataset.region
}

consent_need := 0 if not input.field.pi

else := 0 if not bases[regime][basis]

else := 2 if {
	regime == "pipl"
	input.consumer.id != input.dataset.owner
}

else := 2 if input.field.sensitive

else := 1

consent_rank := {"none": 0, "consent": 1, "separate_consent": 2}

withdrawn if {
	input.consent.withdrawn_at != 0
	input.consent.withdrawn_at <= input.now
}

admits if consent_need == 0

admits if {
	consent_rank[input.consent.kind] >= consent_need
	not withdrawn
}

cat_op(c) := operators[p] if {
	parts := split(c, ".")
	known := [q |
		some i in numbers.range(1, count(parts))
		q := concat(".", array.slice(parts, 0, i))
		operators[q]
	]
	p := known[count(known) - 1]
}

default_op := "pseudonym" if count(input.field.categories) == 0

else := ranked[count(ranked) - 1][1] if {
	ranked := sort([[strength[split(o, "(")[0]], o] | some c in input.field.categories; o := cat_op(c)])
	count(ranked) > 0
}

else := "pseudonym"

grant_op := grant.fields[input.field.name]

op := grant_op if grant_op != "default"

else := "clear" if not input.field.pi

else := "clear" if grant.identified

else := "clear" if {
	input.consumer.kind == "domestic_authority"
	basis == "statutory_duty"
}

else := default_op

default served := false

served if {
	not deny_rule
	admits
}

result := {"served": served, "op": op} if served

else := {"served": false, "rule": deny_rule} if deny_rule

else := {"served": false, "rule": "consent"}
