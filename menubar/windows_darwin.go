package menubar

import (
	"context"
	"strings"
	"time"

	"github.com/progrium/darwinkit/helper/action"
	"github.com/progrium/darwinkit/helper/layout"
	"github.com/progrium/darwinkit/macos/appkit"
	"github.com/progrium/darwinkit/macos/foundation"
	"github.com/progrium/darwinkit/objc"

	"github.com/inferbench/inferbench/app/desktop"
)

// maxCharts is how many charts fit side by side in the Recommendations window.
const maxCharts = 3

var windowInsets = foundation.EdgeInsets{Top: 16, Left: 16, Bottom: 16, Right: 16}

// newWindow makes a window that survives being closed, so it can be shown again.
func newWindow(title string, width, height float64) appkit.Window {
	w := appkit.NewWindowWithSize(width, height)
	w.Retain()
	w.SetReleasedWhenClosed(false)
	w.SetTitle(title)
	w.Center()
	return w
}

// newStack fills the window's content view with a vertical stack whose views span its width.
func newStack(w appkit.Window) appkit.StackView {
	st := appkit.NewVerticalStackView()
	st.SetTranslatesAutoresizingMaskIntoConstraints(false)
	st.SetAlignment(appkit.LayoutAttributeWidth)
	st.SetSpacing(12)
	w.ContentView().AddSubview(st)
	layout.PinEdgesToSuperView(st, windowInsets)
	return st
}

// newTextArea is a read-only, scrollable, monospaced text view.
func newTextArea() (appkit.ScrollableTextView, appkit.TextView) {
	sv := appkit.NewScrollableTextView()
	tv := sv.ContentTextView()
	tv.SetEditable(false)
	tv.SetFont(appkit.Font_MonospacedSystemFontOfSizeWeight(12, appkit.FontWeightRegular))
	return sv, tv
}

// recWindow shows RecView and the charts.
type recWindow struct {
	win      appkit.Window
	headline appkit.TextField
	table    appkit.TextView
	charts   appkit.StackView
}

func newRecWindow() *recWindow {
	r := &recWindow{win: newWindow("Inferbench Recommendations", 960, 680)}
	st := newStack(r.win)
	r.headline = appkit.TextField_WrappingLabelWithString("Loading…")
	r.headline.SetFont(appkit.Font_BoldSystemFontOfSize(14))
	sv, tv := newTextArea()
	r.table = tv
	layout.SetMinHeight(sv, 180)
	r.charts = appkit.NewHorizontalStackView()
	r.charts.SetSpacing(8)
	st.AddArrangedSubview(r.headline)
	st.AddArrangedSubview(sv)
	st.AddArrangedSubview(r.charts)
	return r
}

func (r *recWindow) show(v desktop.RecView, charts []string) {
	r.headline.SetStringValue(v.Headline)
	r.table.SetString(v.Text())
	for _, old := range r.charts.ArrangedSubviews() {
		r.charts.RemoveArrangedSubview(old)
		old.RemoveFromSuperview()
	}
	for _, path := range charts[:min(len(charts), maxCharts)] {
		img := appkit.NewImageWithContentsOfFile(path)
		if img.IsNil() || !img.IsValid() {
			continue
		}
		iv := appkit.ImageView_ImageViewWithImage(img)
		iv.SetImageScaling(appkit.ImageScaleProportionallyUpOrDown)
		layout.SetWidth(iv, 300)
		layout.SetHeight(iv, 225)
		r.charts.AddArrangedSubview(iv)
	}
}

func (s *shell) showRecommendations() {
	if s.rec == nil {
		s.rec = newRecWindow()
	}
	s.activate()
	s.rec.win.MakeKeyAndOrderFront(nil)
	s.background("Inferbench could not make recommendations", func(ctx context.Context) error {
		v, err := s.deps.Recommendations(ctx)
		if err != nil {
			return err
		}
		charts, err := s.deps.ChartPaths(ctx)
		if err != nil {
			return err
		}
		onMain(func() { s.rec.show(v, charts) })
		return nil
	})
}

// exportCSV asks where to save, then exports off the main thread.
func (s *shell) exportCSV() {
	s.activate()
	panel := appkit.SavePanel_SavePanel()
	panel.SetMessage("Export every stored run as CSV")
	panel.SetNameFieldStringValue(desktop.SuggestedExportName(time.Now()))
	panel.SetCanCreateDirectories(true)
	if panel.RunModal() != appkit.ModalResponseOK {
		return
	}
	path := panel.URL().Path()
	s.background("Inferbench could not export the runs", func(ctx context.Context) error {
		if err := s.deps.ExportCSV(ctx, path); err != nil {
			return err
		}
		onMain(func() { showAlert(appkit.AlertStyleInformational, "Runs exported", path) })
		return nil
	})
}

// setupWindow shows the output of creating the Python environment. Its fields are touched
// only on the main thread.
type setupWindow struct {
	win  appkit.Window
	text appkit.TextView
	log  setupLog
}

func newSetupWindow() *setupWindow {
	w := &setupWindow{win: newWindow("Setting up Inferbench", 720, 420)}
	st := newStack(w.win)
	st.AddArrangedSubview(appkit.TextField_WrappingLabelWithString(
		"Inferbench is creating a Python environment with MLX. This downloads a few hundred megabytes and takes a few minutes."))
	sv, tv := newTextArea()
	w.text = tv
	layout.SetMinHeight(sv, 300)
	st.AddArrangedSubview(sv)
	return w
}

// append adds output to the window and scrolls to its end, which NSTextView counts in UTF-16
// units.
func (w *setupWindow) append(b []byte) {
	if w.log.write(b) == "" {
		return // only the start of a character, which the next write completes
	}
	w.text.SetString(w.log.String())
	w.text.ScrollRangeToVisible(foundation.Range{Location: w.log.end()})
}

// mainWriter hands what is written to the setup window on the main thread.
type mainWriter struct{ w *setupWindow }

func (m mainWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...) // p is reused by the writer's caller once Write returns
	onMain(func() { m.w.append(b) })
	return len(p), nil
}

// offerSetup explains that the worker cannot start and offers to set it up.
func (s *shell) offerSetup(problem error) {
	resp := showAlert(appkit.AlertStyleWarning, "Inferbench needs Python with MLX",
		"It measures models through MLX, which runs in Python. Inferbench can create its own Python environment in "+
			s.deps.DataDir()+" now.\n\nWhat it found: "+problem.Error(),
		"Set Up", "Not Now")
	if resp != appkit.AlertFirstButtonReturn {
		return
	}
	if s.setup == nil {
		s.setup = newSetupWindow()
	}
	s.activate()
	s.setup.win.MakeKeyAndOrderFront(nil)
	w := s.setup
	go func() {
		err := s.deps.Setup(s.ctx, mainWriter{w})
		if err == nil {
			err = s.deps.CheckPython(s.ctx)
		}
		if s.ctx.Err() != nil {
			return
		}
		onMain(func() {
			if err != nil {
				w.append([]byte("\nSetup failed: " + err.Error() + "\n"))
				showAlert(appkit.AlertStyleCritical, "Setup failed",
					err.Error()+"\n\nCheck the network connection, then open Inferbench again to retry, or run `inferbench setup` in Terminal.")
				return
			}
			w.append([]byte("\nInferbench is ready. Choose Start in the menu bar to begin benchmarking.\n"))
		})
	}()
}

// button makes a push button that calls f.
func button(title string, f func()) appkit.Button {
	b := appkit.NewButtonWithTitle(title)
	action.Set(b, func(objc.Object) { f() })
	return b
}

// lines turns a joined error into one problem a line, for an alert.
func lines(err error) string { return strings.TrimSpace(err.Error()) }
