"""Typesetting our PDFs (the reports and the answer sheet): text in two directions and under
control (`text`), and WeasyPrint set up our way (`pdf`: the bundled fonts, a URL fetcher that
loads nothing else, a short user-agent stylesheet, PDF compression). A student kit carries this
package (and the fonts) so `grade sheet` works there; the reports themselves are `outputs/report/`."""
