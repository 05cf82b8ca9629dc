package sluice

import "time"

// Exterior content types: what a dataset's video and images taken
// outside the car show (Automotive Provisions Art. 3(4): exterior video
// and images containing faces or licence plates are important data).
const (
	// ExteriorNone: no video or images from outside the car.
	ExteriorNone = ""
	// ExteriorAnonymised: exterior video or images whose faces and
	// plates were removed or outlined before they were stored.
	ExteriorAnonymised = "anonymised"
	// ExteriorFaces, ExteriorPlates, ExteriorFacesPlates: exterior video
	// or images that show faces, licence plates, or both.
	ExteriorFaces       = "faces"
	ExteriorPlates      = "plates"
	ExteriorFacesPlates = "faces_and_plates"
)

// ExteriorTypes are the exterior content types a dataset may declare.
var ExteriorTypes = []string{ExteriorNone, ExteriorAnonymised, ExteriorFaces, ExteriorPlates, ExteriorFacesPlates}

// Declarations of automotive data that classification cannot see, each
// the trigger of one important-data class of the Automotive Provisions
// (Art. 3). The rule file that gives each class its legal reference
// names its trigger by these keys.
const (
	AutoDeclSensitiveArea     = "sensitive_area"     // Art. 3(1)
	AutoDeclEconomicOperation = "economic_operation" // Art. 3(2)
	AutoDeclChargingNetwork   = "charging_network"   // Art. 3(3)
	AutoDeclExteriorImages    = "exterior_images"    // Art. 3(4)
)

// AutoDeclarations are the declaration keys, in article order.
var AutoDeclarations = []string{AutoDeclSensitiveArea, AutoDeclEconomicOperation, AutoDeclChargingNetwork, AutoDeclExteriorImages}

// An AutoDeclaration is what the owner of a dataset of automotive data
// declares it holds that classification cannot see from the values:
// data of sensitive areas, data reflecting economic operation, charging-
// network operating data, and the content of exterior video and images.
// Each makes the dataset important data (Automotive Provisions Art. 3).
type AutoDeclaration struct {
	// SensitiveArea: geographic information, people flow or vehicle flow
	// of military administrative zones, defence-industry units, or Party
	// and government organs at county level or above (Art. 3(1)).
	SensitiveArea bool `json:"sensitive_area,omitempty"`
	// EconomicOperation: vehicle flow, logistics and other data that
	// reflect economic operation (Art. 3(2)).
	EconomicOperation bool `json:"economic_operation,omitempty"`
	// ChargingNetwork: operating data of the vehicle charging network
	// (Art. 3(3)).
	ChargingNetwork bool `json:"charging_network,omitempty"`
	// ExteriorImages is what the dataset's video and images from outside
	// the car show: one of [ExteriorTypes]. Faces or plates make it
	// important data (Art. 3(4)).
	ExteriorImages string `json:"exterior_images,omitempty"`
}

// Validate returns EINVALID if a declares an unknown exterior content
// type.
func (a AutoDeclaration) Validate() error {
	for _, t := range ExteriorTypes {
		if a.ExteriorImages == t {
			return nil
		}
	}
	return &Error{Code: EINVALID, Field: "automotive.exterior_images",
		Message: "automotive.exterior_images: " + quote(a.ExteriorImages) + " is not one of anonymised, faces, plates, faces_and_plates (or empty: none)."}
}

// Declared reports whether a declares the trigger key (one of
// [AutoDeclarations]).
func (a AutoDeclaration) Declared(key string) bool {
	switch key {
	case AutoDeclSensitiveArea:
		return a.SensitiveArea
	case AutoDeclEconomicOperation:
		return a.EconomicOperation
	case AutoDeclChargingNetwork:
		return a.ChargingNetwork
	case AutoDeclExteriorImages:
		return a.ExteriorImages == ExteriorFaces || a.ExteriorImages == ExteriorPlates || a.ExteriorImages == ExteriorFacesPlates
	}
	return false
}

// IsZero reports whether a declares nothing.
func (a AutoDeclaration) IsZero() bool { return a == AutoDeclaration{} }

// Details returns a as audit-event details: the flags set and the
// exterior content type.
func (a AutoDeclaration) Details() map[string]any {
	return map[string]any{AutoDeclSensitiveArea: a.SensitiveArea, AutoDeclEconomicOperation: a.EconomicOperation,
		AutoDeclChargingNetwork: a.ChargingNetwork, AutoDeclExteriorImages: a.ExteriorImages}
}

func quote(s string) string { return "\"" + s + "\"" }

// ActionDatasetUpdate is the audit action of a change to what an owner
// declared of a dataset.
const ActionDatasetUpdate = "dataset.update"

// A DatasetUpdate changes what the owner declared of a dataset. Nil
// fields are left as they are.
type DatasetUpdate struct {
	Automotive *AutoDeclaration
}

// A DeclarationGrader grades what a dataset's owner declared that
// classification cannot see (the automotive important-data classes).
// classify.Catalog is one.
type DeclarationGrader interface {
	// DeclaredGrade returns the grade d's declarations give it on day,
	// general if none.
	DeclaredGrade(d *Dataset, day time.Time) Grade
}

// GradeDeclared grades d with g from its fields and people (see
// [GradeDataset]), lifted by what its owner declared when g also grades
// declarations.
func GradeDeclared(g DatasetGrader, d *Dataset, sector string, day time.Time) Grade {
	grade := GradeDataset(g, d.Fields, d.Subjects, sector)
	if dg, ok := g.(DeclarationGrader); ok {
		if x := dg.DeclaredGrade(d, day); x.Rank() > grade.Rank() {
			grade = x
		}
	}
	return grade
}
