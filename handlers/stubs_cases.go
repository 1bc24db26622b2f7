package handlers

import "github.com/gofiber/fiber/v2"

// TODO(pages): every function in this file is a placeholder to be replaced by the real page.

func (h *Handler) NewCall(c *fiber.Ctx) error        { return fiber.ErrNotImplemented }
func (h *Handler) CreateCall(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) ListCases(c *fiber.Ctx) error      { return fiber.ErrNotImplemented }
func (h *Handler) ShowCase(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (h *Handler) EditCase(c *fiber.Ctx) error       { return fiber.ErrNotImplemented }
func (h *Handler) UpdateCase(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) TransitionCase(c *fiber.Ctx) error { return fiber.ErrNotImplemented }
func (h *Handler) AssignCase(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) AddNote(c *fiber.Ctx) error        { return fiber.ErrNotImplemented }
func (h *Handler) AddContact(c *fiber.Ctx) error     { return fiber.ErrNotImplemented }
func (h *Handler) SearchCases(c *fiber.Ctx) error    { return fiber.ErrNotImplemented }
