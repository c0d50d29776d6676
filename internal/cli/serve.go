package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"atrium/internal/clientip"
	"atrium/internal/config"
	"atrium/internal/geo"
	"atrium/internal/httpapi"
	"atrium/internal/rendition"
	"atrium/internal/service"
	"atrium/internal/web"
)

func serve(ctx context.Context, env Env, args []string) error {
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	fs := newFlags("serve", env, &cfg)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on, HOST:PORT (env ATRIUM_ADDR)")
	fs.BoolVar(&cfg.AccessLog, "access-log", cfg.AccessLog, "log every request (env ATRIUM_ACCESS_LOG)")
	cfg.MailFlags(fs)
	if pos, err := parse(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if err := cfg.Check(); err != nil {
		return usageError{err}
	}
	log := logger(cfg, env.Stderr)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	start := time.Now()
	// A database given but unreadable stops the server: running on would
	// quietly treat every client as unknown.
	var loc service.Locator
	if cfg.GeoIPDB != "" {
		db, err := geo.Open(cfg.GeoIPDB)
		if err != nil {
			return err
		}
		defer db.Close()
		loc = db
		log.Info("geography rules locate clients with a GeoIP database", "path", cfg.GeoIPDB, "type", db.Type())
	}
	svc, closeStore, err := openLogged(ctx, env, cfg, log, loc)
	if err != nil {
		return err
	}
	defer closeStore()
	if err := checkBlobs(ctx, svc); err != nil {
		return err
	}
	if cfg.Blobs.Store == config.BlobsS3 {
		log.Info("files are stored in an S3 bucket", "endpoint", cfg.Blobs.S3.Endpoint, "bucket", cfg.Blobs.S3.Bucket, "prefix", cfg.Blobs.S3.Prefix)
	} else {
		log.Info("files are stored in the data directory", "dir", cfg.BlobDir())
	}
	created, generated, err := svc.BootstrapIfEmpty(ctx, service.Bootstrap{
		AccountName: cfg.Bootstrap.AccountName, Username: cfg.Bootstrap.Username,
		Email: cfg.Bootstrap.Email, Password: cfg.Bootstrap.Password,
	})
	if err != nil {
		return fmt.Errorf("bootstrap: %s", describe(err))
	}
	if created {
		u := cfg.Bootstrap.Username
		if u == "" {
			u = "owner"
		}
		log.Info("created the first account and its owner", "username", u)
		if generated != "" {
			// Shown once, on the terminal only; never logged.
			fmt.Fprintf(env.Stderr, "\n  First start: created account owner %q with the one-time password\n\n      %s\n\n  Sign in and change it (PUT /api/v1/me/password).\n\n", u, generated)
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	api := httpapi.New(svc, httpapi.Options{Logger: log, SecureCookies: cfg.SecureCookies, AccessLog: cfg.AccessLog,
		ClientIP: clientip.Resolver{Header: cfg.Proxy.Header, Proxies: cfg.Proxy.Trusted}})
	if cfg.Proxy.Header != "" {
		log.Info("client addresses come from a proxy header", "header", cfg.Proxy.Header, "proxies", cfg.Proxy.Trusted)
	}
	// The web UI under /ui/, beside the API, on the same sessions.
	ui := web.New(svc, web.Options{Logger: log, SecureCookies: cfg.SecureCookies, AccessLog: cfg.AccessLog,
		ClientIP: clientip.Resolver{Header: cfg.Proxy.Header, Proxies: cfg.Proxy.Trusted}})
	srv := &http.Server{
		Handler:           web.Mount(api, ui),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	rc := cfg.Renditions
	err = svc.StartRenditions(ctx, service.RenditionOptions{Logger: log, WatermarkText: rc.WatermarkText, Render: rendition.Options{
		Workers: rc.Workers, QueueSize: rc.Queue, Timeout: rc.Timeout, JPEGQuality: rc.JPEGQuality,
		MaxPixels: rc.MaxImagePixels, MaxBytes: rc.MaxImageBytes, Watermark: rendition.Watermark{Opacity: rc.WatermarkOpacity}}})
	if err != nil {
		ln.Close()
		return fmt.Errorf("renditions: %w", err)
	}
	// On every way out, before the store closes (a no-op after the
	// orderly stop below).
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = svc.StopRenditions(stopCtx)
	}()
	go syncLoop(ctx, svc, cfg.SyncInterval, log)
	// Blobs left without a file (an upload or a delete stopped half way)
	// are removed in the background.
	go func() {
		if _, err := svc.SweepBlobs(ctx, service.SweepAge); err != nil && ctx.Err() == nil {
			log.Error("sweep blobs", "err", err)
		}
	}()
	// Approved access requests lapse at their end dates.
	go svc.RunAccessExpiry(ctx, time.Minute)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.Mail.SMTPHost != "" {
		log.Info("mail goes through SMTP", "host", cfg.Mail.SMTPHost, "port", cfg.Mail.SMTPPort)
	} else {
		log.Info("no SMTP server configured: mail goes to the outbox folder", "outbox", cfg.OutboxDir())
	}
	log.Info("serving", "addr", ln.Addr().String(), "data", cfg.DataDir, "revision", svc.Revision(), "startup", time.Since(start).Round(time.Millisecond))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	// Renditions not made by then stay pending for the next start.
	if err := svc.StopRenditions(shutdownCtx); err != nil {
		log.Warn("renditions stopped before their queue was done", "err", err)
	}
	svc.WaitBackground() // mail of requests already answered
	return nil
}

func openLogged(ctx context.Context, env Env, cfg config.Config, log interface {
	Info(string, ...any)
}, loc service.Locator) (*service.Service, func(), error) {
	svc, closeStore, err := openWith(ctx, env, cfg, true, loc)
	if err != nil {
		return nil, nil, err
	}
	log.Info("opened data directory", "data", cfg.DataDir, "revision", svc.Revision())
	return svc, closeStore, nil
}

// syncLoop picks up writes made by other processes (the CLI, other
// servers) through the store's change log.
func syncLoop(ctx context.Context, svc *service.Service, every time.Duration, log interface {
	Error(string, ...any)
}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := svc.Sync(ctx); err != nil && ctx.Err() == nil {
				log.Error("sync permission index", "err", err)
			}
		}
	}
}

// checkBlobs makes sure, at start, that the blob store is reachable: an
// S3 bucket that is missing or refuses the credentials stops the server
// rather than every upload.
func checkBlobs(ctx context.Context, svc *service.Service) error {
	if c, ok := svc.Blobs().(interface{ Check(context.Context) error }); ok {
		return c.Check(ctx)
	}
	return nil
}
