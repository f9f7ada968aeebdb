# fixture.mk: copied as Makefile into the working directory of the learn-make row.
all: x.o

x.o: x.c
	gcc -c x.c
