package app

import (
	"context"
	"fmt"
	"io"
)

// userResetTwoFactor: himoya user reset-2fa -email E. It is how an organisation whose only
// admin lost their phone and recovery codes gets back in: whoever runs it holds the server.
func userResetTwoFactor(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlags("user reset-2fa")
	email := fs.String("email", "", "")
	if err := fs.Parse(args); err != nil {
		return usageError(err.Error())
	}
	if *email == "" {
		return usageError("user reset-2fa needs -email")
	}
	s, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("no account %s", *email)
	}
	if err := s.ResetTwoFactor(ctx, nil, u.ID); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "two-factor login of %s is off and its sessions have ended\n", u.Email)
	if s.TwoFactorRequired(u) {
		fmt.Fprintln(stdout, "they will set it up again at their next login")
	}
	return nil
}
