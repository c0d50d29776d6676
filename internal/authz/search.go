package authz

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/tidwall/btree"

	"atrium/internal/textindex"
)

// RecordMeta is what search filters and sorts a record by. Times are
// microseconds since the Unix epoch, as the store keeps them.
type RecordMeta struct {
	Title, Description string
	Keywords           []string
	Fields             map[string]string
	MediaType          string
	Created, Updated   int64
}

// SortKey orders search results; ties are broken by an order that is
// stable for the life of the engine.
type SortKey uint8

// Search orders.
const (
	SortCreated SortKey = iota
	SortUpdated
	SortTitle
	numSortKeys
)

// TimeRange bounds a time filter: From inclusive, To exclusive, both in
// microseconds since the epoch; a zero To means no upper bound.
type TimeRange struct{ From, To int64 }

func (r TimeRange) set() bool { return r.From != 0 || r.To != 0 }

func (r TimeRange) holds(v int64) bool { return v >= r.From && (r.To == 0 || v < r.To) }

// SearchQuery selects records. Every filter given must hold; a filter with
// several values (workspaces, media types) holds if any value does.
type SearchQuery struct {
	Permission Permission // on the records; CanView when zero
	Text       string     // every word must occur in the title, description or keywords
	Workspaces []string
	Collection string
	MediaTypes []string
	Fields     map[string]string // exact values, compared without case
	Created    TimeRange
	Updated    TimeRange
	Sort       SortKey
	Desc       bool
	Limit      int
	Cursor     string
}

// recordIndex holds the searchable metadata of records by ordinal, kept in
// step with the ACL index by Apply.
type recordIndex struct {
	titles  []string // folded: the title sort key
	created []int64
	updated []int64
	mtype   []uint8 // 1 + index into mediaTypes; 0 for none

	mediaTypes []string
	byType     []*roaring.Bitmap

	text   *textindex.Index
	fields *textindex.Index
	// words and field keys not derivable from the title, for removal.
	extraWords map[uint32][]string
	fieldKeys  map[uint32][]string

	// collections: collection ordinal -> record ordinals in it. Deleted
	// records may linger here; every search intersects with visible, live
	// records.
	inCollection map[uint32]*roaring.Bitmap

	// The word and field indexes and sorted[k], which orders live records
	// by sort key k, are built on first use (or by PrepareSearch, in the
	// background after a load, so that loading a million records does not
	// wait for them) and maintained by Apply once built. buildMu
	// serializes the build among readers, who hold only the engine's read
	// lock; built changes only under buildMu with that lock held, and
	// Apply, which reads it, holds the write lock.
	buildMu sync.Mutex
	built   bool
	sorted  [numSortKeys]*btree.BTreeG[sortItem]
	// inverted counts live records updated before they were created (an
	// import can say so). While it is zero, a bound on one time also
	// bounds the other, which lets a walk in one order skip what a range
	// on the other time excludes.
	inverted int

	// createdAt and updatedAt put records in buckets of their times, built
	// and maintained with the other search indexes, so that a time range
	// over a large result is a union of bitmaps rather than a test of
	// every record. bucketShift sets the buckets' width (2^bucketShift
	// time units); results of up to scanMax records are tested one by one,
	// which costs less than the union.
	createdAt, updatedAt timeBuckets
	bucketShift          uint
	scanMax              int
}

// Time buckets of 2^36 µs (about 19 hours): a range of months is a union
// of a few hundred bitmaps, and the buckets of a million records take a
// few megabytes.
const (
	defaultBucketShift = 36
	defaultScanMax     = 1 << 16
)

// timeBuckets maps a bucket (a time shifted right) to the records whose
// time falls in it.
type timeBuckets map[int64]*roaring.Bitmap

func (b timeBuckets) add(shift uint, t int64, ord uint32) {
	k := t >> shift
	bm := b[k]
	if bm == nil {
		bm = roaring.New()
		b[k] = bm
	}
	bm.Add(ord)
}

func (b timeBuckets) remove(shift uint, t int64, ord uint32) {
	k := t >> shift
	if bm := b[k]; bm != nil {
		bm.Remove(ord)
		if bm.IsEmpty() {
			delete(b, k)
		}
	}
}

// within returns the records whose time (times[ord]) r holds: the union of
// the buckets r covers whole, and of the records of the (at most two)
// buckets it cuts through whose own time it holds.
func (b timeBuckets) within(shift uint, r TimeRange, times []int64) *roaring.Bitmap {
	var whole []*roaring.Bitmap
	var cut []uint32
	for k, bm := range b {
		first := k << shift
		last := first + (1<<shift - 1)
		switch {
		case last < r.From || r.To != 0 && first >= r.To:
		case first >= r.From && (r.To == 0 || last < r.To):
			whole = append(whole, bm)
		default:
			it := bm.Iterator()
			for it.HasNext() {
				if ord := it.Next(); r.holds(times[ord]) {
					cut = append(cut, ord)
				}
			}
		}
	}
	out := roaring.FastOr(whole...)
	out.AddMany(cut)
	return out
}

// sortItem is a record's place in one sort order: its key there (a time,
// or the first bytes of its folded title), so that walking the order
// rarely reaches into the per-ordinal arrays, and its ordinal.
type sortItem struct {
	key uint64
	ord uint32
}

// timeKey maps a time to a key that sorts as the time does.
func timeKey(t int64) uint64 { return uint64(t) ^ 1<<63 }

// titleKey is the first 8 bytes of a folded title, big-endian, so that
// keys sort as the titles' prefixes do.
func titleKey(title string) uint64 {
	var k uint64
	for i := range 8 {
		k <<= 8
		if i < len(title) {
			k |= uint64(title[i])
		}
	}
	return k
}

func newRecordIndex() *recordIndex {
	return &recordIndex{
		bucketShift: defaultBucketShift, scanMax: defaultScanMax,
		text: textindex.New(), fields: textindex.New(),
		extraWords: map[uint32][]string{}, fieldKeys: map[uint32][]string{},
		inCollection: map[uint32]*roaring.Bitmap{},
	}
}

// item returns record ord's place in order k.
func (ri *recordIndex) item(k SortKey, ord uint32) sortItem {
	switch k {
	case SortUpdated:
		return sortItem{timeKey(ri.updated[ord]), ord}
	case SortTitle:
		return sortItem{titleKey(ri.titles[ord]), ord}
	}
	return sortItem{timeKey(ri.created[ord]), ord}
}

// less orders items of order k: by key, then (titles whose first 8 bytes
// agree) by the whole title, then by ordinal.
func (ri *recordIndex) less(k SortKey) func(a, b sortItem) bool {
	if k != SortTitle {
		return func(a, b sortItem) bool { return a.key < b.key || a.key == b.key && a.ord < b.ord }
	}
	return func(a, b sortItem) bool {
		if a.key != b.key {
			return a.key < b.key
		}
		if a.ord != b.ord {
			if c := strings.Compare(ri.titles[a.ord], ri.titles[b.ord]); c != 0 {
				return c < 0
			}
		}
		return a.ord < b.ord
	}
}

// ordLess is order k's less on ordinals, for selecting among matches:
// the same order as less, without building items.
func (ri *recordIndex) ordLess(k SortKey) func(a, b uint32) bool {
	switch k {
	case SortUpdated:
		return func(a, b uint32) bool {
			return ri.updated[a] < ri.updated[b] || ri.updated[a] == ri.updated[b] && a < b
		}
	case SortTitle:
		return func(a, b uint32) bool {
			if c := strings.Compare(ri.titles[a], ri.titles[b]); c != 0 {
				return c < 0
			}
			return a < b
		}
	}
	return func(a, b uint32) bool {
		return ri.created[a] < ri.created[b] || ri.created[a] == ri.created[b] && a < b
	}
}

func fieldKey(name, value string) string {
	return strings.ToLower(name) + "\x00" + strings.ToLower(value)
}

// grow makes the per-ordinal arrays cover ord.
func (ri *recordIndex) grow(ord uint32) {
	for uint32(len(ri.titles)) <= ord {
		ri.titles = append(ri.titles, "")
		ri.created = append(ri.created, 0)
		ri.updated = append(ri.updated, 0)
		ri.mtype = append(ri.mtype, 0)
	}
}

// remove takes live record ord out of every index; its array values stay
// so that a cursor naming it still finds its place.
func (ri *recordIndex) remove(ord uint32) {
	if ri.updated[ord] < ri.created[ord] {
		ri.inverted--
	}
	if ri.built {
		for k, t := range ri.sorted {
			t.Delete(ri.item(SortKey(k), ord))
		}
		ri.createdAt.remove(ri.bucketShift, ri.created[ord], ord)
		ri.updatedAt.remove(ri.bucketShift, ri.updated[ord], ord)
		ri.text.Remove(ord, textindex.Tokens(ri.titles[ord]))
		ri.text.Remove(ord, ri.extraWords[ord])
		ri.fields.Remove(ord, ri.fieldKeys[ord])
	}
	delete(ri.extraWords, ord)
	delete(ri.fieldKeys, ord)
	if m := ri.mtype[ord]; m > 0 {
		ri.byType[m-1].Remove(ord)
	}
}

// same reports whether indexed record ord already has metadata m. Only
// the common case is recognised (no description, keywords or fields);
// anything else counts as changed and is simply re-indexed.
func (ri *recordIndex) same(ord uint32, m RecordMeta) bool {
	if int(ord) >= len(ri.titles) || m.Description != "" || len(m.Keywords) > 0 || len(m.Fields) > 0 ||
		ri.extraWords[ord] != nil || ri.fieldKeys[ord] != nil {
		return false
	}
	mt := uint8(0)
	if m.MediaType != "" {
		i := slices.Index(ri.mediaTypes, m.MediaType)
		if i < 0 {
			return false
		}
		mt = uint8(i + 1)
	}
	return ri.mtype[ord] == mt && ri.created[ord] == m.Created && ri.updated[ord] == m.Updated &&
		ri.titles[ord] == strings.ToLower(m.Title)
}

// put indexes ord (not currently indexed) with meta.
func (ri *recordIndex) put(ord uint32, m RecordMeta) {
	ri.grow(ord)
	ri.titles[ord] = strings.ToLower(m.Title)
	ri.created[ord] = m.Created
	ri.updated[ord] = m.Updated
	if m.Updated < m.Created {
		ri.inverted++
	}
	var extra []string
	for _, s := range append([]string{m.Description}, m.Keywords...) {
		for _, w := range textindex.Tokens(s) {
			if !slices.Contains(extra, w) {
				extra = append(extra, w)
			}
		}
	}
	if len(extra) > 0 {
		ri.extraWords[ord] = extra
	}
	if len(m.Fields) > 0 {
		keys := make([]string, 0, len(m.Fields))
		for k, v := range m.Fields {
			keys = append(keys, fieldKey(k, v))
		}
		ri.fieldKeys[ord] = keys
	}
	ri.mtype[ord] = 0
	if m.MediaType != "" {
		i := slices.Index(ri.mediaTypes, m.MediaType)
		if i < 0 {
			i = len(ri.mediaTypes)
			ri.mediaTypes = append(ri.mediaTypes, m.MediaType)
			ri.byType = append(ri.byType, roaring.New())
		}
		ri.mtype[ord] = uint8(i + 1)
		ri.byType[i].Add(ord)
	}
	if ri.built {
		ri.index(ord)
		for k, t := range ri.sorted {
			t.Set(ri.item(SortKey(k), ord))
		}
		ri.createdAt.add(ri.bucketShift, m.Created, ord)
		ri.updatedAt.add(ri.bucketShift, m.Updated, ord)
	}
}

// index adds record ord's words and field values to their indexes.
func (ri *recordIndex) index(ord uint32) {
	ri.text.Add(ord, textindex.Tokens(ri.titles[ord]))
	ri.text.Add(ord, ri.extraWords[ord])
	ri.fields.Add(ord, ri.fieldKeys[ord])
}

// ensureBuilt builds the word and field indexes and the sort orders if
// they are not built yet. The caller holds at least the engine's read
// lock, so no Apply runs.
func (e *Engine) ensureBuilt() {
	ri := e.recs
	ri.buildMu.Lock()
	defer ri.buildMu.Unlock()
	if ri.built {
		return
	}
	live := make([]uint32, 0, len(e.objs[idxRecord].ord))
	for _, ord := range e.objs[idxRecord].ord {
		live = append(live, ord)
	}
	slices.Sort(live)
	ri.createdAt, ri.updatedAt = timeBuckets{}, timeBuckets{}
	for _, ord := range live {
		ri.index(ord)
		ri.createdAt.add(ri.bucketShift, ri.created[ord], ord)
		ri.updatedAt.add(ri.bucketShift, ri.updated[ord], ord)
	}
	var sorted [numSortKeys]*btree.BTreeG[sortItem]
	items := make([]sortItem, len(live))
	for k := range sorted {
		for i, ord := range live {
			items[i] = ri.item(SortKey(k), ord)
		}
		less := ri.less(SortKey(k))
		slices.SortFunc(items, func(a, b sortItem) int {
			if less(a, b) {
				return -1
			}
			if less(b, a) {
				return 1
			}
			return 0
		})
		t := btree.NewBTreeGOptions(less, btree.Options{NoLocks: true})
		for _, it := range items {
			t.Load(it)
		}
		sorted[k] = t
	}
	ri.sorted = sorted
	ri.built = true
}

// PrepareSearch builds the search indexes now rather than on the first
// search; a server calls it once after loading.
func (e *Engine) PrepareSearch() {
	e.mu.RLock()
	defer e.mu.RUnlock()
	e.ensureBuilt()
}

// Search returns one page of the records user userID has q.Permission on
// that match q, in q's order, with the exact number of matches.
func (e *Engine) Search(userID string, q SearchQuery) (Page, error) {
	if q.Limit < 1 {
		return Page{}, fmt.Errorf("limit must be at least 1")
	}
	if q.Sort >= numSortKeys {
		return Page{}, fmt.Errorf("unknown sort %d", q.Sort)
	}
	if q.Permission == 0 {
		q.Permission = CanView
	}
	if _, ok := rules[idxRecord][q.Permission]; !ok {
		return Page{}, fmt.Errorf("%w: %s on record", ErrUnsupported, q.Permission)
	}
	after, hasCursor := uint32(0), false
	if q.Cursor != "" {
		n, ok := e.searchCursors.Decode(q.Cursor)
		if !ok || SortKey(n>>32&0xff) != q.Sort || (n>>40&1 == 1) != q.Desc {
			return Page{}, ErrBadCursor
		}
		after, hasCursor = uint32(n), true
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	empty := Page{IDs: []string{}}
	u := e.activeUser(userID)
	if u == nil {
		return empty, nil
	}
	e.ensureBuilt()
	found := e.matching(u, q)
	if found == nil {
		return empty, nil
	}
	total := int(found.GetCardinality())
	if total == 0 {
		return empty, nil
	}
	if hasCursor && int(after) >= len(e.recs.titles) {
		return Page{}, ErrBadCursor
	}
	ords := e.recs.page(found, total, q, after, hasCursor)
	page := Page{IDs: make([]string, 0, len(ords)), Total: total}
	if len(ords) > q.Limit {
		ords = ords[:q.Limit]
		n := uint64(ords[len(ords)-1]) | uint64(q.Sort)<<32
		if q.Desc {
			n |= 1 << 40
		}
		page.NextCursor = e.searchCursors.Encode(n)
	}
	for _, ord := range ords {
		page.IDs = append(page.IDs, e.objs[idxRecord].objs[ord].id)
	}
	return page, nil
}

// matching returns the records of u's account that match q and that u has
// q.Permission on (nil for none). The result may be shared: read only.
func (e *Engine) matching(u *principal, q SearchQuery) *roaring.Bitmap {
	ri := e.recs
	parts := []*roaring.Bitmap{e.cachedVisible(u, idxRecord, q.Permission)}
	if len(q.Workspaces) > 0 {
		var ws []*roaring.Bitmap
		for _, id := range q.Workspaces {
			if w := u.account.workspaces[id]; w != nil {
				ws = append(ws, w.objs[idxRecord])
			}
		}
		if len(ws) == 0 {
			return nil
		}
		parts = append(parts, roaring.FastOr(ws...))
	}
	if q.Collection != "" {
		ct := e.objs[idxCollection]
		ord, ok := ct.ord[q.Collection]
		if !ok || ct.objs[ord].ws == nil || ct.objs[ord].ws.account != u.account || ri.inCollection[ord] == nil {
			return nil
		}
		parts = append(parts, ri.inCollection[ord])
	}
	if len(q.MediaTypes) > 0 {
		var ts []*roaring.Bitmap
		for _, t := range q.MediaTypes {
			if i := slices.Index(ri.mediaTypes, t); i >= 0 {
				ts = append(ts, ri.byType[i])
			}
		}
		if len(ts) == 0 {
			return nil
		}
		parts = append(parts, roaring.FastOr(ts...))
	}
	for _, w := range textindex.Tokens(q.Text) {
		bm := ri.text.Lookup(w)
		if bm == nil {
			return nil
		}
		parts = append(parts, bm)
	}
	for k, v := range q.Fields {
		bm := ri.fields.Lookup(fieldKey(k, v))
		if bm == nil {
			return nil
		}
		parts = append(parts, bm)
	}
	found := parts[0]
	if len(parts) > 1 {
		// Smallest first: the intersection is bounded by it.
		slices.SortFunc(parts, func(a, b *roaring.Bitmap) int {
			return int(int64(a.GetCardinality()) - int64(b.GetCardinality()))
		})
		found = roaring.FastAnd(parts...)
	}
	if !q.Created.set() && !q.Updated.set() {
		return found
	}
	if int(found.GetCardinality()) > ri.scanMax {
		parts := []*roaring.Bitmap{found}
		if q.Created.set() {
			parts = append(parts, ri.createdAt.within(ri.bucketShift, q.Created, ri.created))
		}
		if q.Updated.set() {
			parts = append(parts, ri.updatedAt.within(ri.bucketShift, q.Updated, ri.updated))
		}
		return roaring.FastAnd(parts...)
	}
	keep := make([]uint32, 0, 256)
	it := found.ManyIterator()
	buf := make([]uint32, 256)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, ord := range buf[:n] {
			if q.Created.holds(ri.created[ord]) && q.Updated.holds(ri.updated[ord]) {
				keep = append(keep, ord)
			}
		}
	}
	return roaring.BitmapOf(keep...)
}

// bounds returns the keys of order q.Sort between which every match of q
// lies, lo inclusive and hi exclusive (when hasHi): a range on the
// order's own time, and while no record was updated before it was created,
// a range on the other time too (created ≤ updated, so updated < To
// bounds created, and created ≥ From bounds updated).
func (ri *recordIndex) bounds(q SearchQuery) (lo, hi uint64, hasHi bool) {
	lower := func(r TimeRange) {
		if r.set() {
			lo = max(lo, timeKey(r.From))
		}
	}
	upper := func(r TimeRange) {
		if r.To != 0 && (!hasHi || timeKey(r.To) < hi) {
			hi, hasHi = timeKey(r.To), true
		}
	}
	switch q.Sort {
	case SortCreated:
		lower(q.Created)
		upper(q.Created)
		if ri.inverted == 0 {
			upper(q.Updated)
		}
	case SortUpdated:
		lower(q.Updated)
		upper(q.Updated)
		if ri.inverted == 0 {
			lower(q.Created)
		}
	}
	return lo, hi, hasHi
}

// page returns up to q.Limit+1 ordinals of found in q's order, after the
// cursor ordinal if there is one. Two ways: walk the global sort order
// testing membership, which costs about limit × records / total steps when
// the matches spread evenly over the order, or select the first ones among
// the matches themselves, which costs about total × log(limit). The walk
// is tried when it looks cheaper. It starts and stops at the bounds that
// time ranges set on the order, but other filters correlated with the
// order can still leave a long run without matches at its start, so the
// walk gives up after as many steps as selecting would take.
func (ri *recordIndex) page(found *roaring.Bitmap, total int, q SearchQuery, after uint32, hasCursor bool) []uint32 {
	less := ri.less(q.Sort)
	ordLess := ri.ordLess(q.Sort)
	before := ordLess // before(a, b): a comes first in the requested order
	if q.Desc {
		before = func(a, b uint32) bool { return ordLess(b, a) }
	}
	want := q.Limit + 1
	tree := ri.sorted[q.Sort]
	if total > 1024 && want*(tree.Len()/total+1) < total {
		lo, hi, hasHi := ri.bounds(q)
		out := make([]uint32, 0, want)
		steps, done := 0, true
		visit := func(it sortItem) bool {
			if !q.Desc && hasHi && it.key >= hi || q.Desc && it.key < lo {
				return false // past the time range: nothing further matches
			}
			if steps++; steps > total {
				done = false
				return false
			}
			if hasCursor && it.ord == after {
				return true
			}
			if found.Contains(it.ord) {
				out = append(out, it.ord)
			}
			return len(out) < want
		}
		if !q.Desc {
			from := sortItem{lo, 0}
			if hasCursor && less(from, ri.item(q.Sort, after)) {
				from = ri.item(q.Sort, after)
			}
			tree.Ascend(from, visit)
		} else {
			from := sortItem{^uint64(0), ^uint32(0)}
			if hasHi {
				if hi == 0 {
					return out
				}
				from.key = hi - 1
			}
			if hasCursor && less(ri.item(q.Sort, after), from) {
				from = ri.item(q.Sort, after)
			}
			tree.Descend(from, visit)
		}
		if done {
			return out
		}
	}
	// Select: a heap of the want best so far, its root the worst of them.
	heap := make([]uint32, 0, want)
	worse := func(i, j int) bool { return before(heap[j], heap[i]) }
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(heap) && worse(l, m) {
				m = l
			}
			if r := l + 1; r < len(heap) && worse(r, m) {
				m = r
			}
			if m == i {
				return
			}
			heap[i], heap[m] = heap[m], heap[i]
			i = m
		}
	}
	it := found.ManyIterator()
	buf := make([]uint32, 256)
	for n := it.NextMany(buf); n > 0; n = it.NextMany(buf) {
		for _, ord := range buf[:n] {
			if hasCursor && !before(after, ord) {
				continue
			}
			switch {
			case len(heap) < want:
				heap = append(heap, ord)
				for i := len(heap) - 1; i > 0 && worse(i, (i-1)/2); i = (i - 1) / 2 {
					heap[i], heap[(i-1)/2] = heap[(i-1)/2], heap[i]
				}
			case before(ord, heap[0]):
				heap[0] = ord
				down(0)
			}
		}
	}
	slices.SortFunc(heap, func(a, b uint32) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	return heap
}
