package gemm

// packA copies the mb×kb block of op(A) whose top-left element is
// op(A)[i0][p0] into dst as micro-panels of mr rows: micro-panel s holds
// rows s*mr..s*mr+mr-1 as kb groups of mr values (one column of the panel
// after another), so the micro-kernel reads A with unit stride. Rows past
// mb are zero-padded.
func packA(transA bool, a []float32, lda, i0, p0, mb, kb, mr int, dst []float32) {
	for s := 0; s < mb; s += mr {
		rows := min(mr, mb-s)
		d := dst[s*kb : (s+mr)*kb]
		if transA {
			// op(A)[i][p] = a[p*lda+i]: a column of the panel is contiguous.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+s:]
				dp := d[p*mr : p*mr+mr]
				copy(dp, src[:rows])
				clear(dp[rows:])
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: rows are contiguous; interleave them,
		// four at a time where possible.
		i := 0
		for ; i+4 <= rows; i += 4 {
			r0 := a[(i0+s+i)*lda+p0:][:kb]
			r1 := a[(i0+s+i+1)*lda+p0:][:kb]
			r2 := a[(i0+s+i+2)*lda+p0:][:kb]
			r3 := a[(i0+s+i+3)*lda+p0:][:kb]
			for p := range r0 {
				q := d[p*mr+i : p*mr+i+4]
				q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
			}
		}
		for ; i < rows; i++ {
			src := a[(i0+s+i)*lda+p0:]
			src = src[:kb]
			for p, v := range src {
				d[p*mr+i] = v
			}
		}
		for i := rows; i < mr; i++ {
			for p := 0; p < kb; p++ {
				d[p*mr+i] = 0
			}
		}
	}
}

// packB copies the kb×nb block of op(B) whose top-left element is
// op(B)[p0][j0] into dst as micro-panels of nr columns: micro-panel t holds
// columns t*nr..t*nr+nr-1 as kb rows of nr values. Columns past nb are
// zero-padded.
func packB(transB bool, b []float32, ldb, p0, j0, kb, nb, nr int, dst []float32) {
	for t := 0; t < nb; t += nr {
		cols := min(nr, nb-t)
		d := dst[t*kb : (t+nr)*kb]
		if !transB {
			// op(B)[p][j] = b[p*ldb+j]: a row of the panel is contiguous.
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j0+t:]
				dp := d[p*nr : p*nr+nr]
				copy(dp, src[:cols])
				clear(dp[cols:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: columns of op(B) are contiguous. Eight
		// of them (then four) are interleaved at a time, so that each step
		// writes eight adjacent values instead of one.
		j := 0
		for ; j+8 <= cols; j += 8 {
			r0 := b[(j0+t+j)*ldb+p0:][:kb]
			r1 := b[(j0+t+j+1)*ldb+p0:][:kb]
			r2 := b[(j0+t+j+2)*ldb+p0:][:kb]
			r3 := b[(j0+t+j+3)*ldb+p0:][:kb]
			r4 := b[(j0+t+j+4)*ldb+p0:][:kb]
			r5 := b[(j0+t+j+5)*ldb+p0:][:kb]
			r6 := b[(j0+t+j+6)*ldb+p0:][:kb]
			r7 := b[(j0+t+j+7)*ldb+p0:][:kb]
			for p := range r0 {
				q := d[p*nr+j : p*nr+j+8]
				q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
				q[4], q[5], q[6], q[7] = r4[p], r5[p], r6[p], r7[p]
			}
		}
		for ; j+4 <= cols; j += 4 {
			r0 := b[(j0+t+j)*ldb+p0:][:kb]
			r1 := b[(j0+t+j+1)*ldb+p0:][:kb]
			r2 := b[(j0+t+j+2)*ldb+p0:][:kb]
			r3 := b[(j0+t+j+3)*ldb+p0:][:kb]
			for p := range r0 {
				q := d[p*nr+j : p*nr+j+4]
				q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
			}
		}
		for ; j < cols; j++ {
			src := b[(j0+t+j)*ldb+p0:][:kb]
			for p, v := range src {
				d[p*nr+j] = v
			}
		}
		for j := cols; j < nr; j++ {
			for p := 0; p < kb; p++ {
				d[p*nr+j] = 0
			}
		}
	}
}
