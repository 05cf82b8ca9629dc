// Package policy decides governed sharing: for each field a consumer asks to
// read, whether it is served as stored, served de-identified, or refused —
// with the rule and legal reference behind the answer — and, where consent
// matters, which records are withheld. It is pure computation: the server
// establishes the facts from its stores (consumer org, grant, dataset,
// fields, purpose, each subject's consent) and asks; policy does no I/O.
//
// # Rules
//
// The legal rules live in rules/sharing.json, embedded and checked at load
// ([DefaultRules], [LoadRules]): which legal bases rest on consent (PIPL
// Art. 13, GDPR Art. 6), the separate-consent triggers (PIPL Arts. 23, 25,
// 26, 29, 39), the authority rules (DSL Arts. 35–36, PIPL Art. 41, GDPR
// Art. 48), the conditions on important and core data, de-identification
// by default (Shenzhen Data Regulations Arts. 26–27) and the default
// operator per data category. Every entry names its instrument, article,
// confidence (checked, summary or unverified) and effective date; a
// decision points at the [Rule] entries that made it. effective_from is a
// record of when a rule took effect: every rule in the file is applied.
//
// # Decisions
//
// [Engine.Plan] decides a read once, field by field, in this order:
//
//  1. core data: denied, always (DSL Art. 21 ¶2);
//  2. a foreign court or law-enforcement body: denied pending approval
//     (DSL Art. 36, PIPL Art. 41; GDPR Art. 48 for EU data) unless the
//     consumer's ApprovalOnFile is set;
//  3. an approved, unexpired grant of this consumer for this dataset,
//     purpose and field, found by index (by ID when the request names one);
//  4. the legal basis: one of the regime's, and the purpose's if both say;
//  5. a domestic authority on its statutory duty: only with a written
//     request reference, then served and marked Authority (DSL Art. 35);
//  6. important data: only with a risk-assessment reference on the grant
//     (NDSR Art. 31) and only to a consumer in the dataset's region;
//  7. consent as the basis: each record's subject must have given consent
//     for the purpose, separate consent when the data goes to another org
//     (PIPL Art. 23) or is sensitive (PIPL Art. 29), and not withdrawn
//     at or before the read;
//  8. de-identification: the grant's operator for the field if it sets
//     one; else personal data gets its category's default operator, unless
//     the grant provides identified data or an authority asked in writing
//     (Shenzhen Data Regulations Art. 27);
//  9. the dataset owner's Cedar policies, for fields still allowed.
//
// The per-field part ([Engine.DecideField], [Engine.Plan]) runs once per
// read; the per-record part ([ReadPlan.Withheld], [FieldDecision.Admits]) is
// a comparison. Neither allocates, and neither grows with the number of
// grants.
//
// # De-identification
//
// An [Op] is clear, mask (keep the first and last n characters, counted as
// characters, not bytes: 13812345678 → 138****5678, 张三丰 → 张*丰),
// pseudonym (HMAC-SHA-256 under a key derived from the server secret and
// the grant ID; see [Pseudonymizer]), generalize (birth date → year,
// coordinates → about 1 km or a city-scale 0.1° cell, age → 10-year band)
// or redact (omitted). Operators append into the caller's buffer
// ([Op.AppendString], [Op.Append]); a value they cannot transform safely is
// omitted rather than passed on.
//
// # Organisation policies in Cedar
//
// An organisation may upload Cedar policies ([ParseCedar], [CedarLayer]).
// They are evaluated only for fields the built-in rules allow, only the
// policies of the dataset's owner, and of those only the ones whose
// resource scope is the dataset or unscoped. A matching forbid denies, with
// the policy's @id (or "policyN") as the reason. If the policies concerning
// the dataset include a permit, Cedar's default deny applies too: a field no
// permit matches is denied. Nothing a permit says can loosen a built-in
// deny or lift a de-identification. A forbid that fails to evaluate
// denies.
//
// The entity model exposed to Cedar:
//
//	principal  Sluice::Org::"<consumer id>"
//	           region: String, kind: String (company | domestic_authority |
//	           foreign_judicial | foreign_law_enforcement), approval_on_file: Bool
//	action     Sluice::Action::"read"
//	resource   Sluice::Field::"<dataset id>/<field name>"
//	           in Sluice::Dataset::"<dataset id>" in Sluice::Org::"<owner id>"
//	           name: String, categories: Set<String>, pi: Bool,
//	           sensitive: Bool, grade: String (general | important)
//	           Sluice::Dataset has region: String, owner: Sluice::Org
//	context    purpose: String, legal_basis: String, grant: Long,
//	           consumer_kind: String, consumer_region: String,
//	           dataset_region: String, field: String, categories: Set<String>,
//	           grade: String, pi: Bool, sensitive: Bool,
//	           written_request: Bool, risk_assessment: Bool, identified: Bool
//
// For example:
//
//	@id("no-health-to-companies")
//	forbid (principal, action == Sluice::Action::"read", resource in Sluice::Dataset::"7")
//	when { principal.kind == "company" && resource.categories.contains("user.health_and_medical") };
package policy
