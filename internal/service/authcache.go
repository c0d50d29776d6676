package service

import (
	"sync"
	"time"
)

// credCache keeps recently verified API tokens and sessions, by the hash of
// their secret, so that authenticating a request needs no database read.
//
// It stays correct because every revocation and session deletion is in the
// store's change log: Sync drops those entries after the engine has moved
// to the new revision. A lookup that read the database before a sync and
// would insert after it is discarded (put checks the revision it started
// at), so a revocation can never be undone by a racing request.
type credCache struct {
	mu       sync.Mutex
	tokens   map[string]cachedToken   // by secret hash
	tokenIDs map[string]string        // token id -> secret hash
	sessions map[string]cachedSession // by id hash
}

type cachedToken struct {
	id, userID string
	scopes     []string
	expires    time.Time // zero: never
}

type cachedSession struct {
	userID, csrfHash string
	expires          time.Time
}

// maxCached bounds each map; past it the cache starts over.
const maxCached = 200_000

func newCredCache() *credCache {
	return &credCache{tokens: map[string]cachedToken{}, tokenIDs: map[string]string{}, sessions: map[string]cachedSession{}}
}

func (c *credCache) token(hash string) (cachedToken, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tokens[hash]
	return t, ok
}

func (c *credCache) session(hash string) (cachedSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.sessions[hash]
	return s, ok
}

// putToken caches a token read at revision rev, unless the engine has
// synced past rev since (now is the engine's current revision).
func (c *credCache) putToken(hash string, t cachedToken, rev uint64, now func() uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now() != rev {
		return
	}
	if len(c.tokens) >= maxCached {
		c.tokens, c.tokenIDs = map[string]cachedToken{}, map[string]string{}
	}
	c.tokens[hash] = t
	c.tokenIDs[t.id] = hash
}

func (c *credCache) putSession(hash string, s cachedSession, rev uint64, now func() uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now() != rev {
		return
	}
	if len(c.sessions) >= maxCached {
		c.sessions = map[string]cachedSession{}
	}
	c.sessions[hash] = s
}

// drop forgets revoked tokens (by id) and deleted sessions (by hash).
func (c *credCache) drop(tokenIDs, sessionHashes []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range tokenIDs {
		if h, ok := c.tokenIDs[id]; ok {
			delete(c.tokens, h)
			delete(c.tokenIDs, id)
		}
	}
	for _, h := range sessionHashes {
		delete(c.sessions, h)
	}
}

// clear forgets everything (after a full reload of the engine).
func (c *credCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tokens, c.tokenIDs, c.sessions = map[string]cachedToken{}, map[string]string{}, map[string]cachedSession{}
}
