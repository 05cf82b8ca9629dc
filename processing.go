package sluice

// Audit actions of processing that changes nothing in the stores but is
// processing all the same, so that the record of processing is complete
// (PIPL Arts. 55–56; Shenzhen Data Regulations Art. 75: the whole chain of
// processing is recorded).
const (
	// ActionDatasetRead is an owner's read of its own dataset's records.
	ActionDatasetRead = "dataset.read"
	// ActionDecisionAsk is a decision asked for (POST /v1/decisions): what
	// a read would serve, decided without reading data.
	ActionDecisionAsk = "decision.ask"
)
