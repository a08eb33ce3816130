package hot_compiler

import "github.com/hotbus/hotbus/hot/compiler/codegen"

// dropUnits removes, after a published build that used the units of t,
// the units this process used before and t did not (they are for no later
// build either), and once per compiler the units nobody used for
// unitMaxAge. release drops the build's shared lock on the units dir
// first; removal then runs only under the exclusive lock, taken without
// waiting: while another build holds the units, they are removed after a
// later build instead.
func (c *Compiler) dropUnits(root string, t *codegen.Tree, release func()) {
	keep := make(map[string]bool, len(t.Units))
	for _, ov := range t.Units {
		keep[ov.Dir] = true
	}
	release()
	excl, err := codegen.LockUnits(root, true, false)
	if err != nil {
		for dir := range c.units {
			keep[dir] = true
		}
		c.units = keep
		c.le.WithError(err).Debug("units dir in use: removing unused units after a later build")
		return
	}
	defer excl.Unlock()
	codegen.RemoveUnits(root, c.units, keep)
	if !c.pruned {
		codegen.PruneUnits(root, keep)
		c.pruned = true
	}
	c.units = keep
}
