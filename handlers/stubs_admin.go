package handlers

import "github.com/gofiber/fiber/v2"

// TODO(pages): every function in this file is a placeholder to be replaced by the real page.

func (h *Handler) ListEvents(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (h *Handler) CreateEvent(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (h *Handler) UpdateEvent(c *fiber.Ctx) error   { return fiber.ErrNotImplemented }
func (h *Handler) ListUsers(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) CreateUser(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (h *Handler) UpdateUser(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (h *Handler) ResetPassword(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (h *Handler) ListTerms(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) CreateTerm(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
func (h *Handler) UpdateTerm(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
