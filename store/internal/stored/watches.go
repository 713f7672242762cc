package stored

import "github.com/incidentmap/incidentmap/incident"

// StaleWatches is AddNotices' answer when the watches changed since the
// notices were made (another server created, edited or deleted one): the
// notifier reads them again and matches again.
func StaleWatches(made, now int64) error {
	return incident.Errorf(incident.ECONFLICT, "the watches changed (version %d, now %d) since these notices were made; read them again", made, now)
}

// WatchNotFound is the error for a watch that is not there.
func WatchNotFound(id string) error {
	return incident.Errorf(incident.ENOTFOUND, "no watch with id %q", id)
}

// WatchCounts is the SQL (the same in both stores) of a watch w's
// notices waiting to be delivered and given up on: its delivery status.
const WatchCounts = `(SELECT count(*) FROM notices n WHERE n.watch_id = w.id AND n.state = 'pending'),
	(SELECT count(*) FROM notices n WHERE n.watch_id = w.id AND n.state = 'dead')`
