package compare

import (
	"fmt"

	"github.com/inferbench/inferbench/charts"
	"gonum.org/v1/plot"
)

// Chart draws each row's ratio with its interval, regressions in red and improvements in green.
func Chart(rows []Row, threshold float64) (*plot.Plot, error) {
	var rs []charts.Ratio
	for _, r := range rows {
		cr := charts.Ratio{Label: fmt.Sprintf("%s %s c%d b%d %s", r.Model, r.Precision, r.Context, r.Batch, r.Metric),
			Ratio: r.Ratio, Low: r.Ratio, High: r.Ratio}
		if r.Low != nil {
			cr.Low, cr.High = *r.Low, *r.High
		}
		switch r.Verdict {
		case Regression:
			cr.Flagged = -1
		case Improvement:
			cr.Flagged = 1
		}
		rs = append(rs, cr)
	}
	return charts.Ratios(rs, threshold, charts.Options{})
}
