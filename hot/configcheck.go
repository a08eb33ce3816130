package hot

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/aperturerobotics/controllerbus/config"
	"github.com/aperturerobotics/controllerbus/controller"
	pbjson "github.com/aperturerobotics/protobuf-go-lite/json"
	ghodss_yaml "github.com/ghodss/yaml"
	yaml "gopkg.in/yaml.v2"
)

// ConfigSetError lists every problem found in a config set by
// [CheckConfigSetYAML] (and by [ApplyConfigSetYAML] with [WithCheck]).
type ConfigSetError struct {
	// Problems are the problems, in the order of the entries' keys.
	Problems []*ConfigProblem
}

// Error lists the problems, one a line if there are several.
func (e *ConfigSetError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].Error()
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%d problems in the config set:", len(e.Problems))
	for _, p := range e.Problems {
		sb.WriteString("\n\t" + strings.ReplaceAll(p.Error(), "\n", "\n\t"))
	}
	return sb.String()
}

// ConfigProblem is one problem with one entry of a config set, or with the
// whole set when Key is empty.
type ConfigProblem struct {
	// Key is the entry's key (the controller key), empty for the set.
	Key string
	// ConfigID is the entry's config ID, if it has one.
	ConfigID string
	// Field is the path of the field in the entry ("config.watch"), empty
	// for the entry as a whole.
	Field string
	// Err says what is wrong.
	Err error
}

// Error names the entry, its config ID and the field, then says what is
// wrong.
func (p *ConfigProblem) Error() string {
	var sb strings.Builder
	if p.Key != "" {
		sb.WriteString(p.Key)
		if p.ConfigID != "" {
			fmt.Fprintf(&sb, " (%s)", p.ConfigID)
		}
		sb.WriteString(": ")
	}
	if p.Field != "" {
		sb.WriteString(p.Field + ": ")
	}
	sb.WriteString(p.Err.Error())
	return sb.String()
}

// Unwrap returns Err.
func (p *ConfigProblem) Unwrap() error { return p.Err }

// ErrEmptyConfigSet is the problem of a config set without entries.
var ErrEmptyConfigSet = errors.New("hot: the config set has no entries: give each controller a key with its id and config (see the hotbus README)")

// entryFields are the fields of a config set entry (configset_json).
var entryFields = []string{"id", "config", "rev"}

// checkedEntry is one entry of a checked config set.
type checkedEntry struct {
	// configID is the entry's config ID.
	configID string
	// known is set when a factory known at the start has the config ID:
	// then the entry was checked in full.
	known bool
	// suggest is a known config ID close to an unknown configID.
	suggest string
	// config is the entry's config object as JSON values, to check once
	// a plugin provides its type.
	config map[string]any
}

// CheckConfigSetYAML checks a controllerbus config set in YAML without a
// bus and returns nil or a *[ConfigSetError] listing every problem: YAML
// that does not parse, an empty set, duplicate keys, entries without an id,
// unknown fields in an entry. Entries whose config ID one of factories
// has are checked in full: unknown config fields (found from the config's
// generated protobuf struct, nested messages included) and the config's own
// Validate. Entries with other config IDs may be provided by a plugin
// later; their fields can't be checked yet.
func CheckConfigSetYAML(data []byte, factories []controller.Factory) error {
	_, err := checkConfigSet(data, factories)
	return err
}

// checkConfigSet checks data as CheckConfigSetYAML does and returns its
// entries by key.
func checkConfigSet(data []byte, factories []controller.Factory) (map[string]*checkedEntry, error) {
	var top yaml.MapSlice
	if err := yaml.Unmarshal(data, &top); err != nil {
		var v any
		if yaml.Unmarshal(data, &v) == nil {
			// Valid YAML, but not a mapping.
			return nil, &ConfigSetError{Problems: []*ConfigProblem{{Err: fmt.Errorf("the config set is a %s, not a mapping of controller keys to entries (key: {id: ..., config: {...}})", yamlKind(v))}}}
		}
		return nil, fmt.Errorf("parse config set: %w", err)
	}
	if len(top) == 0 {
		return nil, &ConfigSetError{Problems: []*ConfigProblem{{Err: ErrEmptyConfigSet}}}
	}
	// The same conversion configset_json uses, for the values.
	var raw map[string]any
	if err := ghodss_yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse config set: %w", err)
	}
	byID := make(map[string]controller.Factory, len(factories))
	for _, f := range factories {
		byID[f.GetConfigID()] = f
	}

	var problems []*ConfigProblem
	entries := make(map[string]*checkedEntry, len(top))
	for _, dup := range duplicateKeys(top, "") {
		problems = append(problems, &ConfigProblem{Key: dup.key, Field: dup.field, Err: dup.err})
	}
	for _, item := range top {
		key := fmt.Sprint(item.Key)
		if _, seen := entries[key]; seen {
			continue // reported as a duplicate
		}
		e := &checkedEntry{}
		entries[key] = e
		problem := func(field string, err error) {
			problems = append(problems, &ConfigProblem{Key: key, ConfigID: e.configID, Field: field, Err: err})
		}
		fields, ok := raw[key].(map[string]any)
		if !ok {
			if raw[key] == nil {
				problem("", errors.New("the entry is empty: it needs an id (the config ID of its controller) and a config"))
			} else {
				problem("", fmt.Errorf("the entry is a %s, not a mapping with an id (the config ID of its controller) and a config", yamlKind(raw[key])))
			}
			continue
		}
		id, _ := fields["id"].(string)
		e.configID = id
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(entryFields, k) {
				problem("", unknownFieldError(k, entryFields))
			}
		}
		if v, ok := fields["id"]; ok && v != nil && id == "" {
			problem("id", fmt.Errorf("is a %s, not a config ID (e.g. hotbus/loader/filesystem)", yamlKind(v)))
			continue
		}
		if id == "" {
			problem("id", errors.New("missing: every entry needs the config ID of its controller (e.g. hotbus/loader/filesystem)"))
			continue
		}
		switch c := fields["config"].(type) {
		case nil:
		case map[string]any:
			e.config = c
		default:
			problem("config", fmt.Errorf("is a %s, not a mapping of the config's fields", yamlKind(c)))
			continue
		}
		f, ok := byID[id]
		if !ok {
			e.suggest = nearest(id, slices.Collect(maps.Keys(byID)), len(id)/4+1)
			continue
		}
		e.known = true
		for _, fp := range checkConfigFields(f.ConstructConfig(), e.config) {
			problem(fp.field, fp.err)
		}
	}
	if len(problems) != 0 {
		return nil, &ConfigSetError{Problems: problems}
	}
	return entries, nil
}

// fieldProblem is a problem with one field of a config.
type fieldProblem struct {
	field string
	err   error
}

// checkConfigFields checks fields (a config object as JSON values) against
// conf's type: unknown fields, then the config's own unmarshaling and
// Validate. conf is filled in.
func checkConfigFields(conf config.Config, fields map[string]any) []fieldProblem {
	problems := unknownFields(reflect.TypeOf(conf), fields, "config")
	if len(problems) != 0 {
		return problems
	}
	data, err := json.Marshal(fields)
	if err != nil {
		return []fieldProblem{{"config", err}}
	}
	if fields == nil {
		data = []byte("{}")
	}
	if err := conf.UnmarshalJSON(data); err != nil {
		return []fieldProblem{{"config", err}}
	}
	if err := conf.Validate(); err != nil {
		return []fieldProblem{{"config", fmt.Errorf("invalid: %w", err)}}
	}
	return nil
}

// protoJSONUnmarshaler is a protobuf-go-lite message.
type protoJSONUnmarshaler interface {
	UnmarshalProtoJSON(*pbjson.UnmarshalState)
}

// unknownFields returns a problem for every key of fields (at path) that
// the message type t (a pointer to a generated protobuf struct) has no
// field for, in nested messages too. The known names are the protobuf and
// JSON names in the struct's tags; a key they don't list (a oneof case)
// is known if the message's own JSON decoder reads it. A type without
// protobuf tags is not checked.
func unknownFields(t reflect.Type, fields map[string]any, path string) []fieldProblem {
	msg, ok := messageFields(t)
	if !ok {
		return nil
	}
	var problems []fieldProblem
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		sf, ok := msg.byName[k]
		if !ok {
			if !decodesField(t, k, fields[k]) {
				problems = append(problems, fieldProblem{path, unknownFieldError(k, msg.names)})
			}
			continue
		}
		problems = append(problems, unknownNested(sf.Type, fields[k], path+"."+k)...)
	}
	return problems
}

// unknownNested checks the value v of a field of type t if it holds
// messages.
func unknownNested(t reflect.Type, v any, path string) []fieldProblem {
	switch t.Kind() {
	case reflect.Pointer:
		if m, ok := v.(map[string]any); ok {
			return unknownFields(t, m, path)
		}
	case reflect.Slice:
		if l, ok := v.([]any); ok && t.Elem().Kind() == reflect.Pointer {
			var problems []fieldProblem
			for i, e := range l {
				problems = append(problems, unknownNested(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i))...)
			}
			return problems
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok && t.Elem().Kind() == reflect.Pointer {
			var problems []fieldProblem
			for _, k := range slices.Sorted(maps.Keys(m)) {
				problems = append(problems, unknownNested(t.Elem(), m[k], path+"."+k)...)
			}
			return problems
		}
	}
	return nil
}

// decodesField reports whether the message type t's JSON decoder reads
// the key k (it records the fields it reads).
func decodesField(t reflect.Type, k string, v any) bool {
	m, ok := reflect.New(t.Elem()).Interface().(protoJSONUnmarshaler)
	if !ok {
		return false
	}
	data, err := json.Marshal(map[string]any{k: v})
	if err != nil {
		return false
	}
	s := pbjson.NewUnmarshalState(data, pbjson.DefaultUnmarshalerConfig)
	m.UnmarshalProtoJSON(s)
	return len(s.FieldMask().GetPaths()) != 0
}

// msgFields are the field names of a generated protobuf message.
type msgFields struct {
	// byName maps protobuf and JSON names to the struct field.
	byName map[string]reflect.StructField
	// names are the JSON names, in field order.
	names []string
}

// messageFields reads the field names of t, a pointer to a generated
// protobuf struct, from its tags ("bytes,3,opt,name=debounce_dur,json=debounceDur,proto3").
// It returns false if t is not one.
func messageFields(t reflect.Type) (msgFields, bool) {
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return msgFields{}, false
	}
	st := t.Elem()
	msg := msgFields{byName: map[string]reflect.StructField{}}
	tagged := false
	for i := range st.NumField() {
		sf := st.Field(i)
		if _, ok := sf.Tag.Lookup("protobuf_oneof"); ok {
			tagged = true
			continue
		}
		tag, ok := sf.Tag.Lookup("protobuf")
		if !ok {
			continue
		}
		tagged = true
		var name, jsonName string
		for part := range strings.SplitSeq(tag, ",") {
			if v, ok := strings.CutPrefix(part, "name="); ok {
				name = v
			} else if v, ok := strings.CutPrefix(part, "json="); ok {
				jsonName = v
			}
		}
		if jsonName == "" {
			jsonName = name
		}
		msg.byName[name] = sf
		msg.byName[jsonName] = sf
		msg.names = append(msg.names, jsonName)
	}
	return msg, tagged
}

// unknownFieldError says that field is unknown, lists the known names and
// suggests the nearest one.
func unknownFieldError(field string, known []string) error {
	msg := fmt.Sprintf("unknown field %q (known: %s)", field, strings.Join(known, ", "))
	if len(known) == 0 {
		msg = fmt.Sprintf("unknown field %q: the config has no fields", field)
	}
	if n := nearest(field, known, 2); n != "" {
		msg += fmt.Sprintf(": did you mean %q?", n)
	}
	return errors.New(msg)
}

// nearest returns the name in names closest to s (case-insensitive
// edit distance with transpositions), if it is at most maxDist edits
// away; "" otherwise.
func nearest(s string, names []string, maxDist int) string {
	best, bestDist := "", maxDist+1
	for _, n := range slices.Sorted(slices.Values(names)) {
		if d := editDistance(strings.ToLower(s), strings.ToLower(n)); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and transpositions of adjacent
// bytes each count one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// duplicate is a key given twice in one mapping.
type duplicate struct {
	key, field string
	err        error
}

// duplicateKeys returns the keys given more than once in any mapping of
// m, whose path in the config set is path ("" for the top level).
func duplicateKeys(m yaml.MapSlice, path string) []duplicate {
	var dups []duplicate
	seen := map[string]bool{}
	for _, item := range m {
		k := fmt.Sprint(item.Key)
		if seen[k] {
			entry, field := splitPath(path, k)
			dups = append(dups, duplicate{entry, field, fmt.Errorf("key %q is given twice: YAML keeps only the last, so one of them would be ignored; remove one", k)})
		}
		seen[k] = true
		sub := k
		if path != "" {
			sub = path + "." + k
		}
		dups = append(dups, duplicateKeysIn(item.Value, sub)...)
	}
	return dups
}

// duplicateKeysIn returns the duplicate keys in the mappings inside v.
func duplicateKeysIn(v any, path string) []duplicate {
	switch v := v.(type) {
	case yaml.MapSlice:
		return duplicateKeys(v, path)
	case []any:
		var dups []duplicate
		for i, e := range v {
			dups = append(dups, duplicateKeysIn(e, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return dups
	}
	return nil
}

// splitPath splits the path of the mapping that holds key k into the
// entry's key and the mapping's path within the entry.
func splitPath(path, k string) (entry, field string) {
	if path == "" {
		return k, ""
	}
	entry, field, _ = strings.Cut(path, ".")
	return entry, field
}

// yamlKind names the kind of a decoded YAML value for users.
func yamlKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int, int64, uint64, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
