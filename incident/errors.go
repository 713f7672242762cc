package incident

import (
	"errors"
	"fmt"
)

// Error codes: what went wrong, in words the HTTP layer maps to statuses in
// one place.
const (
	EINVALID       = "invalid"       // the request is malformed or breaks a rule
	EUNPROCESSABLE = "unprocessable" // well-formed, but cannot be acted on (a place that cannot be geocoded)
	ENOTFOUND      = "not_found"     // no such incident
	ECONFLICT      = "conflict"      // an incident with that id exists
	EUNAUTHORIZED  = "unauthorized"  // no valid token
	EFORBIDDEN     = "forbidden"     // the token's role may not do this
	ETOOLARGE      = "too_large"     // the body is over the limit
	EUNAVAILABLE   = "unavailable"   // the store is busy with a long write (a bulk load) or cannot be reached (a database server gone); try again
	// ENOTIMPLEMENTED: this store cannot do it yet (drafts, watches and
	// added places on PostgreSQL); another store can.
	ENOTIMPLEMENTED = "not_implemented"
	EINTERNAL       = "internal" // a bug or an outage
)

// Error is an error a person can act on: a code, a message that says what to
// fix, and the field it concerns when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Errorf builds an *Error.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf builds an *Error about one field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL when it is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err meant for a person; internal errors
// are not shown.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Error()
	}
	return "internal error; the server log has the details"
}
