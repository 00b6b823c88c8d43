package main

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// npyHeader is the part of a NumPy .npy header that mkassets needs.
type npyHeader struct {
	Descr        string // dtype, e.g. "|b1" or "<i8"
	FortranOrder bool
	Shape        []int
}

// readNPYHeader reads the preamble and header of a .npy stream, leaving r
// at the first byte of the array data. Format: "\x93NUMPY", major and minor
// version bytes, the header length (uint16 little-endian for version 1,
// uint32 for versions 2 and 3), then a Python dict literal padded with
// spaces and a newline.
func readNPYHeader(r io.Reader) (npyHeader, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return npyHeader{}, fmt.Errorf("npy preamble: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return npyHeader{}, errors.New("not a .npy stream (no \\x93NUMPY magic)")
	}
	var n int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, fmt.Errorf("npy header length: %w", err)
		}
		n = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return npyHeader{}, fmt.Errorf("npy header length: %w", err)
		}
		n = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return npyHeader{}, fmt.Errorf("npy version %d.%d not supported", pre[6], pre[7])
	}
	if n > 1<<20 {
		return npyHeader{}, fmt.Errorf("npy header of %d bytes is implausibly long", n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return npyHeader{}, fmt.Errorf("npy header: %w", err)
	}
	return parseNPYDict(string(buf))
}

// parseNPYDict parses the header dict, e.g.
// "{'descr': '|b1', 'fortran_order': False, 'shape': (964, 20, 105, 105), }".
func parseNPYDict(s string) (npyHeader, error) {
	var h npyHeader
	p := &dictParser{s: strings.TrimSpace(s)}
	if !p.eat('{') {
		return h, fmt.Errorf("npy header %q: want a dict", s)
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return h, fmt.Errorf("npy header %q: %w", s, err)
		}
		if !p.eat(':') {
			return h, fmt.Errorf("npy header %q: want ':' after %q", s, key)
		}
		switch key {
		case "descr":
			h.Descr, err = p.str()
		case "fortran_order":
			h.FortranOrder, err = p.boolean()
		case "shape":
			h.Shape, err = p.tuple()
		default:
			err = fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return h, fmt.Errorf("npy header %q: %w", s, err)
		}
		seen[key] = true
		if !p.eat(',') && !p.peek('}') {
			return h, fmt.Errorf("npy header %q: want ',' or '}' after %q", s, key)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return h, fmt.Errorf("npy header %q: no %q", s, k)
		}
	}
	return h, nil
}

// dictParser reads the tiny subset of Python literals that npy headers use.
type dictParser struct {
	s string
	i int
}

func (p *dictParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *dictParser) peek(c byte) bool { p.skip(); return p.i < len(p.s) && p.s[p.i] == c }

func (p *dictParser) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("want a quoted string at offset %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at offset %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *dictParser) boolean() (bool, error) {
	p.skip()
	switch {
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	}
	return false, fmt.Errorf("want True or False at offset %d", p.i)
}

func (p *dictParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("want a tuple at offset %d", p.i)
	}
	shape := []int{}
	for !p.eat(')') {
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		d, err := strconv.Atoi(p.s[p.i:j])
		if err != nil {
			return nil, fmt.Errorf("want a dimension at offset %d", p.i)
		}
		shape = append(shape, d)
		p.i = j
		if !p.eat(',') && !p.peek(')') {
			return nil, fmt.Errorf("want ',' or ')' at offset %d", p.i)
		}
	}
	return shape, nil
}

// npzArray is one array of an open .npz file, streamed: its header and a
// reader positioned at its data.
type npzArray struct {
	npyHeader
	r io.Reader
	c io.Closer
}

// Close releases the array's zip entry.
func (a *npzArray) Close() error { return a.c.Close() }

// openNPZArray opens the member name+".npy" of the zip z and reads its
// header.
func openNPZArray(z *zip.Reader, name string) (*npzArray, error) {
	f, err := z.Open(name + ".npy")
	if err != nil {
		return nil, fmt.Errorf("npz member %s.npy: %w", name, err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	h, err := readNPYHeader(br)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("npz member %s.npy: %w", name, err)
	}
	if h.FortranOrder {
		f.Close()
		return nil, fmt.Errorf("npz member %s.npy: Fortran order not supported", name)
	}
	return &npzArray{npyHeader: h, r: br, c: f}, nil
}
