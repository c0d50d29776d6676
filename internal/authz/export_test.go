package authz

// NewWithTimeBuckets returns an engine whose searches take every time
// range through buckets 2^shift time units wide, whatever the size of the
// result, so that small tests reach that path and its bucket edges.
func NewWithTimeBuckets(shift uint) *Engine {
	e := New()
	e.recs.bucketShift, e.recs.scanMax = shift, 0
	return e
}
