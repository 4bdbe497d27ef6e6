package api

import (
	"embed"
	"io/fs"
	"net/http"
)

// dashboardFiles is the browser dashboard: static files, no build step and
// nothing fetched from elsewhere; the page reads the same REST API as the
// CLI and sends the API token the operator pastes for actions.
//
//go:embed dashboard
var dashboardFiles embed.FS

func dashboardHandler() http.Handler {
	sub, _ := fs.Sub(dashboardFiles, "dashboard")
	files := http.StripPrefix("/dashboard/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, sub, "index.html")
			return
		}
		files.ServeHTTP(w, r)
	})
}
