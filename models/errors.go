package models

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Sentinel errors the rest of the program maps to responses. Their messages are written for
// the people using himoya and never carry personal data or database details.
var (
	// ErrNotFound: no such record, or one the user may not see.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the record changed since the user loaded it.
	ErrConflict = errors.New("someone else changed this case since you opened it; reload it and try again")
	// ErrForbidden: the user's role or relation to the record does not allow the action.
	ErrForbidden = errors.New("your role does not allow this")
	// ErrBadInput: the request could not be read at all.
	ErrBadInput = errors.New("the request could not be read")
	// ErrBadLogin: wrong e-mail or password (never says which).
	ErrBadLogin = errors.New("wrong e-mail or password")
	// ErrRateLimited: too many failed attempts; wait before trying again.
	ErrRateLimited = errors.New("too many attempts; wait a few minutes and try again")
	// ErrUnauthenticated: no valid session or token.
	ErrUnauthenticated = errors.New("log in first")
)

// TransitionError refuses a move that the workflow table does not have.
type TransitionError struct {
	From, To Status
}

func (e *TransitionError) Error() string {
	return "a case cannot move from " + string(e.From) + " to " + string(e.To)
}

// ErrInvalidTransition matches every *TransitionError with errors.Is.
var ErrInvalidTransition = errors.New("invalid transition")

// Is lets errors.Is(err, ErrInvalidTransition) match.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// ValidationError lists what is wrong with an input, field by field (field name -> message
// code). A message code is a key of the interface's message catalogue, maybe with arguments
// (see Message): models says what is wrong, and the views say it in the reader's language.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "please correct: " + strings.Join(parts, "; ")
}

// fieldErrors collects validation messages; err returns nil when there are none.
type fieldErrors map[string]string

func (f fieldErrors) add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

func (f fieldErrors) err() error {
	if len(f) == 0 {
		return nil
	}
	return &ValidationError{Fields: map[string]string(f)}
}

// Message encodes a message code: a catalogue key with name, value pairs for its arguments,
// as one string ("v.max_chars?N=100"), so that field messages stay plain strings wherever
// they travel (a map of fields, a flash note). SplitMessage decodes it.
func Message(key string, args ...any) string {
	if len(args) < 2 {
		return key
	}
	v := url.Values{}
	for i := 0; i+1 < len(args); i += 2 {
		v.Set(fmt.Sprint(args[i]), fmt.Sprint(args[i+1]))
	}
	return key + "?" + v.Encode()
}

// SplitMessage decodes a message code made by Message into its key and arguments.
func SplitMessage(code string) (key string, args map[string]string) {
	key, q, ok := strings.Cut(code, "?")
	if !ok {
		return code, nil
	}
	v, err := url.ParseQuery(q)
	if err != nil {
		return key, nil
	}
	args = make(map[string]string, len(v))
	for k := range v {
		args[k] = v.Get(k)
	}
	return key, args
}
