package httpapi

import (
	"net/http"
	"net/url"
	"time"

	"atrium/internal/domain"
	"atrium/internal/service"
)

type approvalReq struct {
	// Kind is access (the default: requesters ask for access) or
	// moderation (requesters' uploads wait for an approver).
	Kind            string   `json:"kind,omitempty"`
	RequesterGroups []string `json:"requester_groups"`
	ApproverGroup   string   `json:"approver_group"`
}

type approvalList struct {
	Relations []domain.ApprovalRelation `json:"relations"`
}

type accessRequestReq struct {
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id,omitempty"`
	Access     string `json:"access"`
	Message    string `json:"message,omitempty"`
}

type approveReq struct {
	Level string     `json:"level,omitempty"`
	Until *time.Time `json:"until,omitempty"`
}

type reasonReq struct {
	Reason string `json:"reason"`
}

// accessRequestParams document GET /api/v1/access-requests.
var accessRequestParams = []param{
	{Name: "status", Description: "pending, approved, rejected, withdrawn, expired or revoked"},
	{Name: "mine", Description: "true: only the caller's own requests"},
	{Name: "limit", Description: "page size, 1 to 1000 (default 100)", Type: "integer"},
	{Name: "cursor", Description: "next_cursor of the previous page (same filters)"},
}

// parseAccessRequests reads the listing's query; unknown or repeated
// parameters are errors.
func parseAccessRequests(v url.Values) (service.AccessRequestQuery, error) {
	var q service.AccessRequestQuery
	qp, err := parseQueuePage(v, accessRequestParams)
	if err != nil {
		return q, err
	}
	q.Status, q.Cursor, q.Mine, q.Limit = v.Get("status"), qp.cursor, qp.mine, qp.limit
	return q, nil
}

// accessRoutes are the request/approval relationships and the access
// requests.
func (api *API) accessRoutes() []route {
	s := api.svc
	return []route{
		{Method: "GET", Path: "/api/v1/approval-relations", Summary: "The account's request/approval relationships: who may ask for access and who decides", Tag: "access requests", Resp: approvalList{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				rels, err := s.ListApprovalRelations(r.Context(), a)
				return approvalList{Relations: rels}, err
			}},
		{Method: "POST", Path: "/api/v1/approval-relations", Admin: true, Summary: "Relate requester groups to an approver group, of kind access (they ask for access) or moderation (their uploads wait for an approver) (manage_groups)", Tag: "access requests",
			Body: approvalReq{}, Resp: domain.ApprovalRelation{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[approvalReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.CreateApprovalRelation(r.Context(), a, service.ApprovalInput{Kind: in.Kind, RequesterGroups: in.RequesterGroups, ApproverGroup: in.ApproverGroup})
			}},
		{Method: "DELETE", Path: "/api/v1/approval-relations/{id}", Admin: true, Summary: "Remove a request/approval relationship (manage_groups)", Tag: "access requests", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return nil, s.DeleteApprovalRelation(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "GET", Path: "/api/v1/access-requests", Summary: "Access requests the caller may see (their own, those they approve, all with review_access), newest first", Tag: "access requests",
			Query: accessRequestParams, Resp: service.AccessRequestPage{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				q, err := parseAccessRequests(r.URL.Query())
				if err != nil {
					return nil, err
				}
				return s.ListAccessRequests(r.Context(), a, q)
			}},
		{Method: "POST", Path: "/api/v1/access-requests", Summary: "Ask for view or download access to the account, a workspace, a collection, a record or a media object; the approvers are notified", Tag: "access requests",
			Body: accessRequestReq{}, Resp: domain.AccessRequest{}, Status: http.StatusCreated,
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[accessRequestReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.RequestAccess(r.Context(), a, service.AccessRequestInput{TargetType: in.TargetType, TargetID: in.TargetID, Access: in.Access, Message: in.Message})
			}},
		{Method: "GET", Path: "/api/v1/access-requests/{id}", Summary: "An access request with what it grants while it stands", Tag: "access requests", Resp: service.AccessRequestView{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.GetAccessRequest(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "POST", Path: "/api/v1/access-requests/{id}/approve", Summary: "Approve a pending request with a level (default: what was asked) and an optional end date; only what the approver holds can be granted", Tag: "access requests",
			Body: approveReq{}, Resp: service.AccessRequestView{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[approveReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.ApproveAccessRequest(r.Context(), a, r.PathValue("id"), service.Decision{Level: in.Level, Until: in.Until})
			}},
		{Method: "POST", Path: "/api/v1/access-requests/{id}/reject", Summary: "Reject a pending request with a reason", Tag: "access requests",
			Body: reasonReq{}, Resp: domain.AccessRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[reasonReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.RejectAccessRequest(r.Context(), a, r.PathValue("id"), service.Decision{Reason: in.Reason})
			}},
		{Method: "POST", Path: "/api/v1/access-requests/{id}/withdraw", Summary: "Withdraw one's own pending request", Tag: "access requests", Resp: domain.AccessRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				return s.WithdrawAccessRequest(r.Context(), a, r.PathValue("id"))
			}},
		{Method: "POST", Path: "/api/v1/access-requests/{id}/revoke", Summary: "End an approved request's grant before its end date (its approvers, review_access)", Tag: "access requests",
			Body: reasonReq{}, Resp: domain.AccessRequest{},
			Handle: func(w http.ResponseWriter, r *http.Request, a service.Actor) (any, error) {
				in, err := body[reasonReq](w, r)
				if err != nil {
					return nil, err
				}
				return s.RevokeAccessGrant(r.Context(), a, r.PathValue("id"), in.Reason)
			}},
	}
}
