// Package all registers every algorithm of metaglot with core/algo. Import
// it for its side effect, once, in a program's main package or a test:
//
//	import _ "metaglot/core/algo/all"
//
// A new algorithm adds its package here.
package all

import (
	_ "metaglot/core/maml"
	_ "metaglot/core/mann"
	_ "metaglot/core/protonet"
	_ "metaglot/core/reptile"
)
