# SPDX-License-Identifier: GPL-2.0
# The release, from the top-level VERSION file: every tool's -V prints it
# (XNET_TOOLS_VERSION in xnet_tools.h), as the module's MODULE_VERSION and
# dkms.conf's PACKAGE_VERSION do. Included by each tool's Makefile.
XNET_VERSION_FILE := $(dir $(lastword $(MAKEFILE_LIST)))../../VERSION
XNET_RELEASE := $(shell cat $(XNET_VERSION_FILE) 2>/dev/null)
ifeq ($(XNET_RELEASE),)
$(error $(XNET_VERSION_FILE) missing or empty)
endif
XNET_RELEASE_CPPFLAGS := -DXNET_RELEASE='"$(XNET_RELEASE)"'
