package handlers

import "github.com/gofiber/fiber/v2"

// TODO(api): placeholders.

func (h *Handler) APITaxonomy(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (h *Handler) APIListCases(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (h *Handler) APICreateCase(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) APIGetCase(c *fiber.Ctx) error        { return fiber.ErrNotImplemented }
func (h *Handler) APIUpdateCase(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) APITransitionCase(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (h *Handler) APICreateContact(c *fiber.Ctx) error  { return fiber.ErrNotImplemented }
