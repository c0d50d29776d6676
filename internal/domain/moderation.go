package domain

import "time"

// Kinds of request/approval relationships.
const (
	// RelationAccess: members of the requester groups ask for access to
	// existing content; members of the approver group grant or reject it.
	RelationAccess = "access"
	// RelationModeration: uploads by members of the requester groups are
	// held until a member of the approver group publishes them.
	RelationModeration = "moderation"
)

// Hold is a record or media object held for moderation: nobody but its
// uploader and the members of its approver groups (those of the
// moderation relations holding the uploader when it was held) sees it
// until an approver publishes it.
type Hold struct {
	ObjectType string `json:"type"` // record or media
	ObjectID   string `json:"id"`
	AccountID  string `json:"-"`
	// RecordID is the record itself, or the media object's record.
	RecordID       string    `json:"record"`
	Uploader       string    `json:"uploader"`
	ApproverGroups []string  `json:"approver_groups"`
	HeldAt         time.Time `json:"held_at"`
}

// Moderation is the moderation status shown on a held record or media
// object to those who can see it.
type Moderation struct {
	Status         string   `json:"status"` // held
	Uploader       string   `json:"uploader"`
	ApproverGroups []string `json:"approver_groups"`
}

// ModerationHeld is the status of a held object.
const ModerationHeld = "held"
